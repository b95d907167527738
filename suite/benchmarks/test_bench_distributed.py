"""torch.distributed on ranks of this machine (gloo over loopback on the CPU, nccl on CUDA):
all_reduce bus bandwidth by message size, and the DDP training step of the seed CNN at 1, 2
and 3 ranks with its scaling efficiency.

Seed 002's CNN `Net` with Adam(lr=3e-4), 64 samples per rank per step (weak scaling, as the
training benchmark's cnn_adam-batch64). One timed call is one step on every rank, driven
from this process (suite/testing/distributed.py), so it includes one message to each rank and
back (about 0.1 ms); an all_reduce call runs `ops_per_call` all_reduces to keep that small.
The same programs run across machines under torchrun: `python -m suite.benchmarks.distributed`.
"""

import pytest
import torch

from suite.benchmarks import harness
from suite.benchmarks import distributed as workloads
from suite.plugin.options import bench_threads
from suite.testing.distributed import BACKENDS, rank_groups, started  # noqa: F401 (fixture)

# throughput of the 1-rank DDP step per device, measured earlier in this session (the
# parametrization runs 1 rank first): the denominator of the scaling efficiency
SINGLE_RANK = {}


@pytest.mark.parametrize("world_size", (2, 3), ids=lambda n: f"{n}ranks")
@pytest.mark.parametrize("nbytes", workloads.MESSAGE_BYTES, ids=lambda n: f"{n // 1024}KiB")
def test_all_reduce_bus_bandwidth(benchmark, rank_groups, device, world_size, nbytes):
    """all_reduce (SUM) of a float32 message; GB/s of bus bandwidth (nccl-tests' busbw)."""
    ranks = started(rank_groups, device, world_size, threads=bench_threads())
    ranks.run(workloads.prepare_all_reduce, device, nbytes)
    ops = workloads.ops_per_call(nbytes)
    factor = workloads.bus_factor(world_size)
    harness.measure(benchmark, lambda: ranks.run(workloads.all_reduce_ops, ops), device=device,
                    unit="GB/s", work_per_call=harness.gigabytes(nbytes * ops * factor),
                    dtype=torch.float32, world_size=world_size, backend=BACKENDS[device],
                    message_bytes=nbytes, ops_per_call=ops, bus_factor=factor)


@pytest.mark.parametrize("world_size", (1, 2, 3), ids=lambda n: f"{n}ranks")
def test_ddp_training_step(benchmark, rank_groups, device, world_size):
    """One DDP step (zero_grad, forward, loss, backward with the gradients' all_reduce, Adam)
    on every rank; samples/s over all ranks, and the efficiency against 1 rank."""
    ranks = started(rank_groups, device, world_size, threads=bench_threads())
    ranks.run(workloads.prepare_ddp_step, device)
    info = harness.measure(
        benchmark, lambda: ranks.run(workloads.ddp_step), device=device, unit="samples/s",
        work_per_call=workloads.DDP_LOCAL_BATCH * world_size, dtype=torch.float32,
        model="Net", optimizer="Adam", batch=workloads.DDP_LOCAL_BATCH * world_size,
        batch_size=workloads.DDP_LOCAL_BATCH, world_size=world_size, backend=BACKENDS[device])
    if world_size == 1:
        SINGLE_RANK[device] = info["throughput"]
    single = SINGLE_RANK.get(device)
    efficiency = (info["throughput"] / (world_size * single)
                  if info["throughput"] is not None and single else None)
    benchmark.extra_info["scaling_efficiency"] = efficiency
