"""One training step (zero_grad, forward, loss, backward, optimizer step) in samples/s.

Seed 002: the MLP `NeuralNetwork` (784-512-512-10) trained with SGD(lr=1e-3) on batches of 64,
and the MNIST CNN `Net` trained with Adam(lr=3e-4) on batches of 1 (its DataLoader's
batch_size=1), also timed at 64 to compare with the MLP.
"""

import pytest
import torch

from suite import models
from suite.benchmarks import timing

CASES = {  # id: (model, optimizer, its lr, batch)
    "mlp_sgd-batch64": ("NeuralNetwork", "SGD", 1e-3, 64),
    "cnn_adam-batch1": ("Net", "Adam", 3e-4, 1),
    "cnn_adam-batch64": ("Net", "Adam", 3e-4, 64),
}


def training_step_call(device, model_name, optimizer_name, lr, batch):
    torch.manual_seed(0)
    model = getattr(models, model_name)().to(device)
    optimizer = getattr(torch.optim, optimizer_name)(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    images = torch.rand(batch, 1, 28, 28, device=device)
    labels = torch.randint(0, 10, (batch,), device=device)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss

    return step


@pytest.mark.parametrize("case", CASES)
def test_training_step(benchmark, device, case):
    """A full SGD/Adam step of a seed model on a random FashionMNIST-sized batch."""
    model_name, optimizer_name, lr, batch = CASES[case]
    fn = training_step_call(torch.device(device), model_name, optimizer_name, lr, batch)
    timing.measure(benchmark, fn, device=device, unit="samples/s", work_per_call=batch,
                   dtype=torch.float32, model=model_name, optimizer=optimizer_name, batch=batch)
