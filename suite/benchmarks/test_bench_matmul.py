"""Matrix multiply throughput in GFLOP/s, with the fraction of the device's peak.

float32 on every device; float16 and bfloat16 only on CUDA, where Tensor Cores make them a
different workload: their CPU variants are not generated at all (the `devices("cuda")` marker),
since a CPU half-precision matmul is not what the issue asks to track. A figure above the
device's documented peak is an error (peaks.check_canary), not a result.
"""

import pytest
import torch

from suite.benchmarks import harness, peaks
from suite.benchmarks.workloads import matmul_call

SIZES = (256, 1024, 2048)  # 2048 is about 0.15 s a call on a 2-core CPU
HALF_PRECISION_SIZES = (1024, 4096, 8192)


def run_matmul(benchmark, device, dtype, size):
    device = torch.device(device)
    fn, gflop = matmul_call(device, dtype, size)
    harness.measure(benchmark, fn, device=device, unit="GFLOP/s", work_per_call=gflop,
                   dtype=dtype, peak=peaks.matmul_peak(device, dtype), size=size)


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("dtype", [torch.float32], ids=["float32"])
def test_matmul(benchmark, device, dtype, size):
    """torch.mm of two square float32 matrices."""
    run_matmul(benchmark, device, dtype, size)


@pytest.mark.devices("cuda")
@pytest.mark.parametrize("size", HALF_PRECISION_SIZES, ids=str)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["float16", "bfloat16"])
def test_matmul_half_precision(benchmark, device, dtype, size):
    """torch.mm of two square float16 or bfloat16 matrices (Tensor Cores)."""
    run_matmul(benchmark, device, dtype, size)
