"""Seed 002's training claims on real MNIST digits ("최적화 단계", "Training CNNs").

The test command runs the short variant (one seed, fewer epochs); `--convergence full` runs
the documented epochs on three seeds, as the main job does (which also records the runs).
"""

import numpy as np
import pytest
import torch

from suite.testing import data
from suite.convergence import job, training
from suite.testing.claims import covers


@pytest.fixture(scope="module")
def variant(request):
    return training.VARIANTS[request.config.getoption("convergence")]


@pytest.fixture
def digits(request, torchvision, variant):
    """(x_train, y_train, x_test, y_test) through torchvision's MNIST loader, with the pipeline
    of the test's model only (xdist hands the two models to two workers)."""
    normalize = variant[request.node.callspec.params["model"]].normalize
    return job.load_data((normalize,))[normalize]


def assert_claims_hold(spec, runs):
    failed = [f"{c['claim']}: {c['detail']}" for c in training.check(spec, runs) if not c["passed"]]
    assert not failed, "\n".join(failed)


@covers("002-mlp-test-loss-falls", "002-mlp-accuracy-rises", "002-mlp-final-accuracy",
        "002-cnn-trains")
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_tutorial_training_claims(model, device, digits, variant):
    """The MLP's test loss falls and its accuracy rises every epoch and ends far above
    chance; the CNN reaches its target accuracy within the stated epochs on every seed."""
    spec = variant[model]
    runs = [training.train(spec, seed, device, digits) for seed in spec.seeds]
    assert_claims_hold(spec, runs)


def test_seeded_cpu_training_is_bit_identical():
    """With a fixed seed and deterministic algorithms on CPU, two runs give identical losses
    (no torchvision needed: the digits are read directly)."""
    images, labels = data.read_mnist_5k(data.mnist_5k_path())
    every_tenth = slice(None, None, 10)  # the file is sorted by class
    x = torch.from_numpy(images[every_tenth].astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(labels[every_tenth])
    spec = training.replace(training.CNN, epochs=2, steps_per_epoch=10)
    first, second = (training.train(spec, 7, "cpu", (x, y, x[:64], y[:64])) for _ in range(2))
    assert len(first.step_losses) == 20
    assert first.step_losses == second.step_losses
