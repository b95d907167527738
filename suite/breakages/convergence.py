"""Deliberately broken torches for the convergence checks (see suite/breakages/__init__.py): an optimizer
that does not step, or an unseeded shuffle, must fail the short variant."""

import os

import torch

from suite.breakages import Breakage


def optimizer_step_does_nothing(name):
    def patch(mp):
        mp.setattr(getattr(torch.optim, name), "step", lambda self, closure=None: None)

    return patch


def randperm_is_unseeded(mp):
    """Shuffles drawn from fresh OS entropy, as a nondeterministic data order would be."""
    randperm = torch.randperm

    def unseeded(n, generator=None, **kwargs):
        fresh = torch.Generator().manual_seed(int.from_bytes(os.urandom(8)))
        return randperm(n, generator=fresh, **kwargs)

    mp.setattr(torch, "randperm", unseeded)


BREAKAGES = [
    Breakage("sgd-step-does-nothing", optimizer_step_does_nothing("SGD"), [
        "suite/convergence/test_convergence.py::test_tutorial_training_claims[*-mlp]",
    ]),
    Breakage("adam-step-does-nothing", optimizer_step_does_nothing("Adam"), [
        "suite/convergence/test_convergence.py::test_tutorial_training_claims[*-cnn]",
    ]),
    Breakage("shuffle-is-unseeded", randperm_is_unseeded, [
        "suite/convergence/test_convergence.py::test_seeded_cpu_training_is_bit_identical",
    ]),
]
