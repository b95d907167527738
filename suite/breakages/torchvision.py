"""Deliberately broken torches for the torchvision model tests (see suite/breakages/__init__.py)."""

import torch
import torch.nn.functional as F
from torch import nn

from suite.breakages import FAILED, Breakage, wrap


def linear_keeps_one_row(mp):
    wrap(mp, F, "linear", lambda linear: lambda x, *a, **k: linear(x, *a, **k)[:1])


def sequential_setitem_ignored(mp):
    mp.setattr(nn.Sequential, "__setitem__", lambda self, index, module: None)


def replacing_a_submodule_is_ignored(mp):
    def make(setattr_):
        def broken(self, name, value):
            if isinstance(value, nn.Module) and name in self.__dict__.get("_modules", {}):
                return None
            return setattr_(self, name, value)

        return broken

    wrap(mp, nn.Module, "__setattr__", make)


def dropout_keeps_p_as_keep_probability(mp):
    wrap(mp, nn.Dropout, "__init__", lambda init: lambda self, p=0.5, inplace=False: init(self, 1 - p, inplace))


def download_writes_random_weights(mp):
    """An offline "download" that leaves random weights where the pretrained file should be."""

    def download(url, dst, *args, **kwargs):
        import torchvision

        torch.save(torchvision.models.alexnet(weights=None).state_dict(), dst)

    mp.setattr(torch.hub, "download_url_to_file", download)


BREAKAGES = [
    Breakage("linear-keeps-one-row", linear_keeps_one_row, [
        "suite/conformance/test_torchvision_models.py::test_output_is_batch_by_1000_classes[resnet18]",
    ]),
    Breakage("sequential-setitem-ignored", sequential_setitem_ignored, [
        "suite/conformance/test_torchvision_models.py::test_alexnet_head_replacement[10]",
    ]),
    Breakage("replacing-a-submodule-is-ignored", replacing_a_submodule_is_ignored, [
        "suite/conformance/test_torchvision_models.py::test_new_head_sets_the_number_of_classes",
    ]),
    Breakage("dropout-keeps-p-as-keep-probability", dropout_keeps_p_as_keep_probability, [
        "suite/conformance/test_torchvision_models.py::test_mobilenet_v2_structure",
    ]),
    # the random file fails torchvision's hash check: an error, but not the clear offline one
    Breakage("download-writes-random-weights", download_writes_random_weights, [
        "suite/conformance/test_torchvision_models.py::test_pretrained_weights_offline_fail_clearly",
    ], caught_as=FAILED + (RuntimeError,)),
]
