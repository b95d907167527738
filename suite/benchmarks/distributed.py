"""What the distributed benchmarks time, on every rank: all_reduce of one message size, and one
DDP training step of the seed CNN. Run by suite/benchmarks/test_bench_distributed.py on ranks of
this machine (suite/testing/distributed.py), and across machines by torchrun:

    torchrun --nnodes 2 --nproc-per-node 1 --rdzv-backend c10d --rdzv-endpoint HOST:29400 \\
             --rdzv-id bench -m suite.benchmarks.distributed [--rounds 20] [--output FILE]

Bus bandwidth as nccl-tests define it (doc/PERFORMANCE.md there): for all_reduce of S bytes in
t seconds on n ranks, algbw = S / t and busbw = algbw * 2(n - 1) / n, the traffic each link
carries in a ring, comparable across rank counts and with the hardware's link speed.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time

import torch
import torch.distributed as dist

from suite.testing import distributed as launcher
from suite.testing import models
from suite.tools import cli

MESSAGE_BYTES = (4 * 2**10, 2**20, 16 * 2**20)
DDP_LOCAL_BATCH = 64  # samples per rank per step (weak scaling): the training benchmark's batch
_STATE = {}  # per rank process: the message or the model the programs reuse across calls


def bus_factor(world_size: int) -> float:
    """busbw / algbw for all_reduce (nccl-tests): 2(n - 1) / n."""
    return 2 * (world_size - 1) / world_size


def ops_per_call(nbytes: int) -> int:
    """all_reduces in one timed call: enough that the call's fixed cost (a message to each rank
    and back, about 0.1 ms) stays small next to the work, at most 100."""
    return max(1, min(100, MESSAGE_BYTES[-1] // nbytes))


def _synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def prepare_all_reduce(rank, world_size, device, nbytes):
    device = launcher.rank_device(device, rank)
    _STATE["message"] = torch.ones(nbytes // 4, dtype=torch.float32, device=device)


def all_reduce_ops(rank, world_size, ops):
    message = _STATE["message"]
    for _ in range(ops):
        dist.all_reduce(message)
    _synchronize(message.device)


def prepare_ddp_step(rank, world_size, device, batch=DDP_LOCAL_BATCH):
    """DDP(Net) with Adam(lr=3e-4) and a random local batch (the training benchmark's CNN case)."""
    device = launcher.rank_device(device, rank)
    torch.manual_seed(rank)
    model = torch.nn.parallel.DistributedDataParallel(
        models.Net().to(device), device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
    images = torch.rand(batch, 1, 28, 28, device=device)
    labels = torch.randint(0, 10, (batch,), device=device)
    _STATE["ddp"] = model, optimizer, images, labels


def ddp_step(rank, world_size):
    model, optimizer, images, labels = _STATE["ddp"]
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(images), labels).backward()
    optimizer.step()
    _synchronize(images.device)


# --- torchrun: the same programs across machines ---------------------------------------------

def _time_rounds(call, rounds) -> float:
    """Median over rounds of the slowest rank's seconds per call (each round starts together)."""
    for _ in range(3):
        call()
    times = []
    for _ in range(rounds):
        dist.barrier()
        start = time.perf_counter()
        call()
        elapsed = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
        dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
        times.append(float(elapsed))
    return statistics.median(times)


def run_under_torchrun(rounds: int) -> list[dict]:
    rank, world_size = dist.get_rank(), dist.get_world_size()
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"
    device_for_rank = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if device == "cuda" else "cpu"
    base = {"world_size": world_size, "backend": dist.get_backend(), "device": device_for_rank,
            "torch": torch.__version__, "torch_threads": torch.get_num_threads()}
    results = []
    for nbytes in MESSAGE_BYTES if world_size > 1 else ():
        _STATE["message"] = torch.ones(nbytes // 4, device=device_for_rank)
        ops = ops_per_call(nbytes)
        seconds = _time_rounds(lambda: all_reduce_ops(rank, world_size, ops), rounds) / ops
        results.append({**base, "benchmark": "all_reduce", "message_bytes": nbytes,
                        "algbw_GB_s": nbytes / seconds / 1e9,
                        "busbw_GB_s": nbytes / seconds / 1e9 * bus_factor(world_size)})
    _STATE["ddp"] = None
    prepare_ddp_step(rank, world_size, "cpu") if device == "cpu" else _prepare_cuda_ddp(rank)
    seconds = _time_rounds(lambda: ddp_step(rank, world_size), rounds)
    results.append({**base, "benchmark": "ddp_training_step", "model": "Net",
                    "local_batch": DDP_LOCAL_BATCH,
                    "samples_per_s": DDP_LOCAL_BATCH * world_size / seconds})
    return results


def _prepare_cuda_ddp(rank):
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    torch.cuda.set_device(local_rank)
    prepare_ddp_step(local_rank, dist.get_world_size(), "cuda")


def write_atomically(path, document) -> None:
    """Through a temporary file and a rename: an interrupted run leaves no half-written file."""
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile("w", dir=directory, suffix=".tmp", delete=False) as handle:
        json.dump(document, handle, indent=2)
    os.chmod(handle.name, 0o644)  # a temporary file is private; the result is not
    os.replace(handle.name, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="torchrun ... -m suite.benchmarks.distributed",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--backend", choices=("gloo", "nccl"), default=None,
                        help="default: nccl where CUDA is available, else gloo")
    parser.add_argument("--output", help="also write the results as JSON here (rank 0)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds for the rendezvous and for each collective")
    options = parser.parse_args(argv)
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return cli.fail("run me under torchrun (RANK and WORLD_SIZE are not set)")
    if options.rounds < 1:
        return cli.fail(f"--rounds must be positive, got {options.rounds}")
    backend = options.backend or ("nccl" if torch.cuda.is_available() else "gloo")
    dist.init_process_group(backend, timeout=datetime.timedelta(seconds=options.timeout))
    try:
        results = run_under_torchrun(options.rounds)
    finally:
        dist.destroy_process_group()
    if int(os.environ["RANK"]) == 0:
        for result in results:
            print(json.dumps(result))
        if options.output:
            write_atomically(options.output, {"results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
