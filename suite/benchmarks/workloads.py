"""What the benchmarks time, built once here so that the benchmarks and `python -m
suite.tools.validate` (the harness against torch.utils.benchmark.Timer) time the same thing.

Each `*_call` function returns the callable a benchmark times (matmul_call: with its GFLOP).
The sizes are the tutorials' (seed files in the docstrings of the test_bench_*.py modules).
"""

from dataclasses import dataclass

import torch

from reference.nn import conv_output_size
from suite.benchmarks import harness
from suite.testing import models


def matmul_call(device, dtype, size):
    """(fn, GFLOP per call): a square (size x size) @ (size x size) product on `device`."""
    generator = torch.Generator().manual_seed(0)
    a, b = (torch.randn(size, size, generator=generator).to(device, dtype) for _ in range(2))
    return (lambda: torch.mm(a, b)), harness.matmul_gflop(size, size, size)


@dataclass(frozen=True)
class ConvCase:
    name: str
    where: str
    batch: int
    in_channels: int
    out_channels: int
    kernel: int
    size: int
    stride: int = 1
    padding: int = 0

    @property
    def out_size(self):
        return conv_output_size(self.size, self.kernel, self.stride, self.padding)

    def forward_gflop(self):
        return harness.conv2d_gflop(self.batch, self.in_channels, self.out_channels, self.kernel,
                                   self.out_size)


CONV_CASES = (
    ConvCase("conv1to6_28px", "002 Convolution operator: Conv2d(1, 6, 3, padding=1), batch 10",
             batch=10, in_channels=1, out_channels=6, kernel=3, size=28, padding=1),
    ConvCase("net_conv2", "002 Net.conv2: Conv2d(5, 10, 3, padding=1) on 14x14, the tutorial's "
             "DataLoader batch 64", batch=64, in_channels=5, out_channels=10, kernel=3, size=14,
             padding=1),
    ConvCase("mymodel_conv2", "001 MyModel.conv2: Conv2d(20, 20, 5) on conv1's 252x252 output, "
             "batch 1", batch=1, in_channels=20, out_channels=20, kernel=5, size=252),
    ConvCase("mynetwork_conv1", "003 MyNetwork.conv1: Conv2d(3, 32, 7, stride=2, padding=1) on "
             "112x112, batch 4", batch=4, in_channels=3, out_channels=32, kernel=7, size=112,
             stride=2, padding=1),
)
PASSES = ("forward", "forward_backward")


def conv_call(device, case: ConvCase, pass_: str):
    """fn for one pass of `case` on `device`. The backward computes the gradients of the input,
    the weight and the bias, as for a layer inside a network."""
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(case.in_channels, case.out_channels, case.kernel, stride=case.stride,
                           padding=case.padding).to(device)
    x = torch.rand(case.batch, case.in_channels, case.size, case.size, device=device)
    if pass_ == "forward":
        def forward():
            with torch.no_grad():
                return conv(x)

        return forward
    x.requires_grad_(True)
    inputs = (x, conv.weight, conv.bias)
    grad_output = torch.ones(case.batch, case.out_channels, case.out_size, case.out_size,
                             device=device)

    def forward_backward():
        return torch.autograd.grad(conv(x), inputs, grad_output)

    return forward_backward


TRAINING_CASES = {  # id: (model, optimizer, its lr, batch)
    "mlp_sgd-batch64": ("NeuralNetwork", "SGD", 1e-3, 64),
    "cnn_adam-batch1": ("Net", "Adam", 3e-4, 1),
    "cnn_adam-batch64": ("Net", "Adam", 3e-4, 64),
}


def training_step_call(device, model_name, optimizer_name, lr, batch, wrap=None):
    """fn: one training step; `wrap(model)` (e.g. torch.compile) is what the forward calls."""
    torch.manual_seed(0)
    model = getattr(models, model_name)().to(device)
    forward = wrap(model) if wrap else model
    optimizer = getattr(torch.optim, optimizer_name)(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    images = torch.rand(batch, 1, 28, 28, device=device)
    labels = torch.randint(0, 10, (batch,), device=device)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(forward(images), labels)
        loss.backward()
        optimizer.step()
        return loss

    return step


DATASET_SAMPLES = 2048
BATCH_SIZE = 64


def dataloader_epoch_call(device, num_workers):
    """fn: one pass over an in-memory FashionMNIST-sized dataset, each batch moved to `device`.

    With workers, they persist across passes: the timed figure is the steady-state throughput
    of a long epoch, not the start of the worker processes (paid once, in the warm-up)."""
    generator = torch.Generator().manual_seed(0)
    dataset = torch.utils.data.TensorDataset(
        torch.rand(DATASET_SAMPLES, 1, 28, 28, generator=generator),
        torch.randint(0, 10, (DATASET_SAMPLES,), generator=generator),
    )
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=BATCH_SIZE, shuffle=True, num_workers=num_workers,
        persistent_workers=num_workers > 0, pin_memory=device.type == "cuda",
        generator=torch.Generator().manual_seed(0),
    )

    def epoch():
        samples = 0
        for images, labels in loader:
            images = images.to(device, non_blocking=True)
            labels = labels.to(device, non_blocking=True)
            samples += len(labels)
        return samples

    return epoch
