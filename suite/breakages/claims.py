"""Deliberately broken torches for the documented-claims catalog (see suite/breakages/__init__.py)."""

import torch.nn.functional as F
from torch import nn

from suite.breakages import Breakage, wrap



def conv_ignores_padding(mp):
    wrap(mp, F, "conv2d", lambda conv2d: lambda x, w, b=None, stride=1, padding=0, *a, **k: conv2d(
        x, w, b, stride, 0, *a, **k))


def state_dict_drops_biases(mp):
    wrap(mp, nn.Module, "state_dict", lambda state_dict: lambda self, *a, **k: {
        key: value for key, value in state_dict(self, *a, **k).items() if not key.endswith("bias")})


def conv_repr_drops_stride(mp):
    wrap(mp, nn.Conv2d, "extra_repr", lambda extra_repr: lambda self: extra_repr(self).replace(
        f", stride={self.stride}", ""))


def printout_has_an_extra_layer(mp):
    """Module printouts list one child more than the model has."""
    wrap(mp, nn.Module, "__repr__", lambda module_repr: lambda self: (
        module_repr(self)[:-1] + "  (extra): Identity()\n)" if self.__class__.__name__ in (
            "NeuralNetwork", "SingleConvModel") else module_repr(self)))


def max_pool_averages(mp):
    mp.setattr(F, "max_pool2d", lambda x, kernel_size, *a, **k: F.avg_pool2d(x, kernel_size))


def batchnorm_weight_starts_at_zero(mp):
    wrap(mp, nn.BatchNorm2d, "reset_parameters", lambda reset: lambda self: (
        reset(self), nn.init.zeros_(self.weight) if self.affine else None)[0])


def forward_hooks_never_fire(mp):
    """Hooks register, but are never called."""
    wrap(mp, nn.Module, "register_forward_hook", lambda register: lambda self, hook, *a, **k: register(
        self, lambda *args: None, *a, **k))


def parameters_skip_biases(mp):
    wrap(mp, nn.Module, "parameters", lambda parameters: lambda self, recurse=True: (
        p for name, p in self.named_parameters(recurse=recurse) if not name.endswith("bias")))


def modules_skip_parameterless(mp):
    wrap(mp, nn.Module, "modules", lambda modules: lambda self: (
        m for m in modules(self) if list(m.parameters(recurse=False))))


def collate_flattens_images(mp):
    import torch.utils.data._utils.collate as collate

    wrap(mp, collate, "default_collate", lambda default_collate: lambda batch: [
        t.flatten(1) if t.dim() > 2 else t for t in default_collate(batch)])


BREAKAGES = [
    Breakage("collate-flattens-images", collate_flattens_images, [
        "suite/conformance/test_claims.py::test_claim[002-dataloader-batch-shapes]",
    ]),
    Breakage("modules-skip-parameterless", modules_skip_parameterless, [
        "suite/conformance/test_claims.py::test_claim[001-modules-hold-parameters]",
    ]),
    Breakage("conv-ignores-padding", conv_ignores_padding, [
        "suite/conformance/test_claims.py::test_claim[002-conv-shape]",
        "suite/conformance/test_claims.py::test_claim[002-functional-conv-shape]",
        "suite/conformance/test_claims.py::test_claim[003-summary-shapes]",
    ]),
    Breakage("state_dict-drops-biases", state_dict_drops_biases, [
        "suite/conformance/test_claims.py::test_claim[000-singleconv-state-dict]",
    ]),
    Breakage("conv-repr-drops-stride", conv_repr_drops_stride, [
        "suite/conformance/test_claims.py::test_claim[003-mynetwork-repr]",
        "suite/conformance/test_claims.py::test_claim[004-alexnet-repr]",
    ]),
    Breakage("printout-has-an-extra-layer", printout_has_an_extra_layer, [
        "suite/conformance/test_claims.py::test_claim[002-neuralnetwork-repr]",
        "suite/conformance/test_claims.py::test_claim[000-singleconv-repr]",
    ]),
    Breakage("max_pool-averages", max_pool_averages, [
        "suite/conformance/test_claims.py::test_claim[002-maxpool-values]",
    ]),
    Breakage("batchnorm-weight-starts-at-zero", batchnorm_weight_starts_at_zero, [
        "suite/conformance/test_claims.py::test_claim[004-batchnorm-init]",
    ]),
    Breakage("forward-hooks-never-fire", forward_hooks_never_fire, [
        "suite/conformance/test_claims.py::test_claim[003-summary-parameters]",
        "suite/conformance/test_claims.py::test_claim[004-convbnconv-summary]",
    ]),
    Breakage("parameters-skip-biases", parameters_skip_biases, [
        "suite/conformance/test_claims.py::test_claim[003-summary-totals]",
        "suite/conformance/test_claims.py::test_claim[004-convbnconv-total]",
        "suite/conformance/test_torchvision_models.py::test_parameter_count_is_documented",
    ]),
]
