"""Freezing parameters for fine-tuning (seed 004: 사전학습된 모델 파인튜닝 하기).

Documented: module.requires_grad_(False), or `param.requires_grad = False` for each
parameter, excludes parameters from autograd: backward leaves their .grad None, and an
optimizer skips a parameter whose .grad is None (the zero_grad docs: a None gradient skips
the step, a zero gradient does not), so SGD and Adam leave it bit-identical even with
weight decay. requires_grad says nothing about buffers: BatchNorm in train mode still
updates its running stats; eval() (orthogonal to requires_grad, per the autograd notes)
is what keeps them.
Oracle: the parameters' own values before the step, compared bit for bit.
"""

from dataclasses import dataclass

import numpy as np
import pytest
import torch

from suite.testing.tolerances import to_numpy
from suite.testing.claims import covers

SEED = 0


def freeze_parameters_in_loop(model):
    for param in model[0].parameters():
        param.requires_grad = False


@dataclass(frozen=True)
class Freeze:
    apply: callable
    frozen: tuple  # names of the parameters that must not change


FREEZES = {
    # seed 004: alexnet.features[0].requires_grad_(requires_grad=False)
    "requires_grad_": Freeze(
        lambda model: model[0].requires_grad_(requires_grad=False), ("0.weight", "0.bias")
    ),
    # seed 004: for param in alexnet.features[0].parameters(): param.requires_grad = False
    "parameter-loop": Freeze(freeze_parameters_in_loop, ("0.weight", "0.bias")),
    "one-parameter": Freeze(lambda model: model[0].weight.requires_grad_(False), ("0.weight",)),
}
# weight decay moves any parameter the optimizer steps, even one with a zero gradient
OPTIMIZERS = {"SGD": dict(lr=0.1, weight_decay=0.1), "Adam": dict(lr=0.1, weight_decay=0.1)}


@covers("004-freeze-parameters")
@pytest.mark.parametrize("optimizer_name", OPTIMIZERS)
@pytest.mark.parametrize("how", FREEZES)
def test_frozen_parameters_get_no_grad_and_stay_put(device, how, optimizer_name):
    """Frozen parameters report requires_grad False (seed 004 prints
    features[0].weight.requires_grad -> False), get no .grad from backward and are
    bit-identical after an optimizer step over all parameters; the others get a gradient
    and change."""
    nn = torch.nn
    torch.manual_seed(SEED)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to(device)
    freeze = FREEZES[how]
    freeze.apply(model)
    params = dict(model.named_parameters())
    flags = {name: p.requires_grad for name, p in params.items()}
    assert flags == {name: name not in freeze.frozen for name in params}, f"requires_grad: {flags}"

    before = {name: to_numpy(p) for name, p in params.items()}
    optimizer = getattr(torch.optim, optimizer_name)(model.parameters(), **OPTIMIZERS[optimizer_name])
    model(torch.randn(5, 3, device=device)).square().mean().backward()
    with_grad = {name for name, p in params.items() if p.grad is not None}
    assert with_grad == set(params) - set(freeze.frozen), f"gradients reached {sorted(with_grad)}"
    optimizer.step()
    for name, p in params.items():
        if name in freeze.frozen:
            np.testing.assert_array_equal(to_numpy(p), before[name], err_msg=f"frozen {name} moved")
        else:
            assert not np.array_equal(to_numpy(p), before[name]), f"{name} did not train"


# how the frozen features run -> whether their BatchNorm running stats stay put
FEATURE_MODES = {"features-eval": True, "features-train": False}


def batchnorm_buffers(features):
    return {
        name: to_numpy(buffer)
        for name, buffer in features.named_buffers()
        if name.rsplit(".", 1)[-1] in ("running_mean", "running_var", "num_batches_tracked")
    }


@covers("004-buffers-not-updated")
@pytest.mark.parametrize("mode", FEATURE_MODES)
def test_frozen_feature_extractor_with_new_head(torchvision, device, mode):
    """Fine-tuning MobileNetV2 (seed 000's model, seed 004's recipe): features frozen with
    requires_grad_(False), classifier[1] replaced by Linear(1280, 3), one SGD step over all
    parameters. Every features parameter is bit-identical and gradient-free, the head
    changes. BatchNorm running stats of the frozen features still update in train mode
    (requires_grad does not cover buffers); features.eval() keeps them."""
    nn = torch.nn
    torch.manual_seed(SEED)
    model = torchvision.models.mobilenet_v2(weights=None)
    model.features.requires_grad_(False)
    model.classifier[1] = nn.Linear(1280, 3)
    model.to(device).train()
    keeps_stats = FEATURE_MODES[mode]
    if keeps_stats:
        model.features.eval()

    features = dict(model.features.named_parameters())
    head = dict(model.classifier.named_parameters())
    features_before = {name: to_numpy(p) for name, p in features.items()}
    head_before = {name: to_numpy(p) for name, p in head.items()}
    buffers_before = batchnorm_buffers(model.features)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)

    logits = model(torch.randn(2, 3, 32, 32, device=device))
    assert tuple(logits.shape) == (2, 3)
    nn.functional.cross_entropy(logits, torch.tensor([0, 2], device=device)).backward()
    optimizer.step()

    reached = [name for name, p in features.items() if p.requires_grad or p.grad is not None]
    assert not reached, f"frozen features parameters still in autograd: {reached[:5]}"
    moved = [
        name for name, p in features.items() if not np.array_equal(to_numpy(p), features_before[name])
    ]
    assert not moved, f"frozen features parameters changed: {moved[:5]}"
    still = [name for name, p in head.items() if np.array_equal(to_numpy(p), head_before[name])]
    assert not still, f"head parameters did not train: {still}"

    buffers_after = batchnorm_buffers(model.features)
    changed = {
        name for name, before in buffers_before.items() if not np.array_equal(buffers_after[name], before)
    }
    if keeps_stats:
        assert not changed, f"features.eval() BatchNorm stats changed: {sorted(changed)[:5]}"
    else:
        kept = sorted(set(buffers_before) - changed)
        assert not kept, f"train-mode BatchNorm stats that did not update: {kept[:5]}"
