"""Conv2d forward, and forward+backward, in images/s at the sizes the tutorials' models use.

Seeds: 001 (MyModel: Conv2d(1, 20, 5) and Conv2d(20, 20, 5) on 256x256; the seed feeds it a
3-channel image, which a 1-channel conv rejects, so the 1-channel input is the evident intent),
002 (the "Convolution operator" section: Conv2d(1, 6, 3, padding=1) on rand(10, 1, 28, 28); the
MNIST CNN `Net`), 003 (MyNetwork on 3x112x112, batch 4, as its torchsummary call).
"""

from dataclasses import dataclass

import pytest
import torch

from reference.nn import conv_output_size
from suite.benchmarks import timing


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
        return timing.conv2d_gflop(self.batch, self.in_channels, self.out_channels, self.kernel,
                                   self.out_size)


CASES = (
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


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
@pytest.mark.parametrize("pass_", PASSES)
def test_conv2d(benchmark, device, pass_, case):
    """One Conv2d layer of a tutorial model: images per second through it."""
    fn = conv_call(torch.device(device), case, pass_)
    timing.measure(benchmark, fn, device=device, unit="images/s", work_per_call=case.batch,
                   dtype=torch.float32, forward_gflop_per_call=case.forward_gflop(),
                   shape=[case.batch, case.in_channels, case.size, case.size], where=case.where)
