"""Deliberately broken torches for the torchvision model tests (see breaking.py)."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from suite.conformance import test_torchvision_models as tv
from suite.environment import torchvision_missing
from suite.selftest.breaking import FAILED, Breakage, assert_caught, cases, with_torchvision, wrap

NOT_BREAKABLE_HERE = {}

pytestmark = pytest.mark.skipif(bool(torchvision_missing()), reason=torchvision_missing() or "")


def parameters_skip_biases(mp):
    wrap(mp, nn.Module, "parameters", lambda parameters: lambda self, recurse=True: (
        p for name, p in self.named_parameters(recurse=recurse) if not name.endswith("bias")))


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
    Breakage("parameters-skip-biases", parameters_skip_biases, [
        with_torchvision(tv.test_parameter_count_is_documented, name=name) for name in tv.DOCUMENTED_PARAMETERS
    ]),
    Breakage("linear-keeps-one-row", linear_keeps_one_row,
             [with_torchvision(tv.test_output_is_batch_by_1000_classes, name="resnet18")]),
    Breakage("sequential-setitem-ignored", sequential_setitem_ignored,
             [with_torchvision(tv.test_alexnet_head_replacement, classes=10)]),
    Breakage("replacing-a-submodule-is-ignored", replacing_a_submodule_is_ignored, [
        with_torchvision(tv.test_new_head_sets_the_number_of_classes, name=name, head=head)
        for name, head in [("mobilenet_v2", "classifier.1"), ("resnet18", "fc")]
    ]),
    Breakage("dropout-keeps-p-as-keep-probability", dropout_keeps_p_as_keep_probability,
             [with_torchvision(tv.test_mobilenet_v2_structure)]),
    # the random file fails torchvision's hash check: an error, but not the clear offline one
    Breakage("download-writes-random-weights", download_writes_random_weights,
             [with_torchvision(tv.test_pretrained_weights_offline_fail_clearly)],
             caught_as=FAILED + (RuntimeError,)),
]


@pytest.mark.parametrize("breakage, test", cases(BREAKAGES))
def test_breakage_is_caught(breakage, test, monkeypatch):
    assert_caught(breakage, test, monkeypatch)
