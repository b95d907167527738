"""Deliberately broken torches for the convergence checks (see breaking.py): an optimizer
that does not step, or an unseeded shuffle, must fail the short variant."""

import os
from functools import cache

import pytest
import torch

from suite.convergence import job, training
from suite.convergence import test_convergence as convergence
from suite.environment import torchvision_missing
from suite.selftest.breaking import Breakage, assert_caught, cases

NOT_BREAKABLE_HERE = {}


@cache
def mnist():
    return job.load_data()


def short_run(model):
    """The short variant of a model's claims on CPU, with the data its fixture would give."""

    def run():
        if torchvision_missing():
            pytest.skip(torchvision_missing())
        return convergence.test_tutorial_training_claims(
            model=model, device="cpu", mnist=mnist(), variant=training.SHORT)

    run.func, run.keywords = convergence.test_tutorial_training_claims, {"model": model}
    return run


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
    Breakage("sgd-step-does-nothing", optimizer_step_does_nothing("SGD"), [short_run("mlp")]),
    Breakage("adam-step-does-nothing", optimizer_step_does_nothing("Adam"), [short_run("cnn")]),
    Breakage("shuffle-is-unseeded", randperm_is_unseeded,
             [convergence.test_seeded_cpu_training_is_bit_identical]),
]


@pytest.mark.parametrize("breakage, test", cases(BREAKAGES))
def test_breakage_is_caught(breakage, test, monkeypatch):
    assert_caught(breakage, test, monkeypatch)


def test_convergence_checks_cite_catalog_claims():
    """Result files and the summary name each check by a claim id of reference/claims.py."""
    from reference import claims as catalog

    ids = {claim.id for claim in catalog.CLAIMS}
    for variant in training.VARIANTS.values():
        for spec in variant.values():
            assert {claim for claim, _ in spec.checks} <= ids, spec.model
