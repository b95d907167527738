"""Conv2d forward, and forward+backward, in images/s at the sizes the tutorials' models use.

Seeds: 001 (MyModel: Conv2d(1, 20, 5) and Conv2d(20, 20, 5) on 256x256; the seed feeds it a
3-channel image, which a 1-channel conv rejects, so the 1-channel input is the evident intent),
002 (the "Convolution operator" section: Conv2d(1, 6, 3, padding=1) on rand(10, 1, 28, 28); the
MNIST CNN `Net`), 003 (MyNetwork on 3x112x112, batch 4, as its torchsummary call).
"""

import pytest
import torch

from suite.benchmarks import harness
from suite.benchmarks.workloads import CONV_CASES, PASSES, conv_call


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda case: case.name)
@pytest.mark.parametrize("pass_", PASSES)
def test_conv2d(benchmark, device, pass_, case):
    """One Conv2d layer of a tutorial model: images per second through it."""
    fn = conv_call(torch.device(device), case, pass_)
    harness.measure(benchmark, fn, device=device, unit="images/s", work_per_call=case.batch,
                   dtype=torch.float32, forward_gflop_per_call=case.forward_gflop(),
                   shape=[case.batch, case.in_channels, case.size, case.size], where=case.where)
