"""One training step (zero_grad, forward, loss, backward, optimizer step) in samples/s.

Seed 002: the MLP `NeuralNetwork` (784-512-512-10) trained with SGD(lr=1e-3) on batches of 64,
and the MNIST CNN `Net` trained with Adam(lr=3e-4) on batches of 1 (its DataLoader's
batch_size=1), also timed at 64 to compare with the MLP.
"""

import pytest
import torch

from suite.benchmarks import harness
from suite.benchmarks.workloads import TRAINING_CASES, training_step_call

@pytest.mark.parametrize("case", TRAINING_CASES)
def test_training_step(benchmark, device, case):
    """A full SGD/Adam step of a seed model on a random FashionMNIST-sized batch."""
    model_name, optimizer_name, lr, batch = TRAINING_CASES[case]
    fn = training_step_call(torch.device(device), model_name, optimizer_name, lr, batch)
    harness.measure(benchmark, fn, device=device, unit="samples/s", work_per_call=batch,
                   dtype=torch.float32, model=model_name, optimizer=optimizer_name, batch=batch)
