"""The benchmarks' timing harness: work accounting, synchronization, warm-up, the fixed thread
count, and the `extra_info` every benchmark records (the peak table and its canary: peaks.py).

Every benchmark calls `measure(benchmark, fn, ...)`. It does, in order:

1. fixes torch's intra-op thread count (`bench_threads()`: 1, or SUITE_BENCH_THREADS) for the
   whole measurement and restores the previous count afterwards;
2. wraps `fn` (`timed_call`) so that on CUDA the device is synchronized inside the timed call:
   a launch returns before the kernel has run, and an unsynchronized timing measures the
   launch; the result is dropped inside the call, as `timeit` drops it;
3. warms up explicitly (at least `WARMUP_MIN_CALLS` calls and `WARMUP_MIN_S` seconds): the
   first calls pay for lazy initialisation, allocator growth and kernel selection.
   pytest-benchmark's own warm-up is off by default on CPython and would depend on the
   command line (`--benchmark-warmup`); doing it here makes every run warm, whatever options;
4. sizes the measurement from the warm-up's time per call: a round repeats `fn` until it lasts
   `MIN_ROUND_S` (so the timer's overhead stays well under 1 %), and there are at least
   `MIN_ROUNDS` rounds, more while they fit in `BUDGET_S`, at most `MAX_ROUNDS`. The rounds
   run through `benchmark.pedantic`, so pytest-benchmark's per-round times (`stats.data`, per
   call) are what the regression gate reads; the garbage collector is paused meanwhile, as
   `timeit` and `torch.utils.benchmark.Timer` do. pytest-benchmark's calibration options
   (--benchmark-min-rounds, --benchmark-max-time, --benchmark-min-time, --benchmark-warmup)
   do not reach pedantic mode: the plan here is the same whatever the command line says;
5. records `extra_info` (`build_extra_info`) and applies the canary (`peaks.check_canary`).

With benchmarks disabled (`--benchmark-disable`, or under xdist) `fn` runs once, untimed, as a
smoke test, and `throughput` is null: one cold call is not a measurement and must not be read
as one.
"""

import contextlib
import gc
import math
import time

import torch

from suite.benchmarks.peaks import Peak, check_canary, ImpossibleThroughput
from suite.plugin.options import bench_threads

UNITS = ("GFLOP/s", "images/s", "samples/s", "GB/s")

WARMUP_MIN_CALLS = 2
WARMUP_MIN_S = 0.1
MIN_ROUND_S = 0.002
MIN_ROUNDS = 20
MAX_ROUNDS = 200
BUDGET_S = 1.0



# --- work accounting ------------------------------------------------------------------------

def matmul_gflop(m: int, n: int, k: int) -> float:
    """(m x k) @ (k x n): m*n dot products of length k, one multiply and one add each."""
    return 2 * m * n * k / 1e9


def conv2d_gflop(batch, in_channels, out_channels, kernel, out_size, groups=1) -> float:
    """Forward Conv2d with a square kernel and output: a multiply and an add per kernel tap."""
    taps = (in_channels // groups) * kernel * kernel
    return 2 * batch * out_channels * out_size * out_size * taps / 1e9


def gigabytes(nbytes: int) -> float:
    return nbytes / 1e9


# --- threads, synchronization, warm-up --------------------------------------------------------

@contextlib.contextmanager
def torch_threads(count: int):
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield count
    finally:
        torch.set_num_threads(previous)


def synchronize(device: torch.device) -> None:
    """Wait until the device has finished the work queued so far."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type != "cpu":
        raise ValueError(f"no synchronization known for device type {device.type!r}")


def timed_call(fn, device: torch.device):
    """The call that is timed: `fn`, its result dropped, then (off the CPU) a synchronization,
    so that the timing covers the kernels and not only their launch.

    The result is dropped inside the call, as `timeit` does: pytest-benchmark keeps what the
    timed function returns until the next round has run, so a large output (a 5 MB feature
    map) would stay alive across the next call, which then cannot reuse its memory. On the VM
    this suite was written on, that made a conv forward 15 to 30 % slower than under
    torch.utils.benchmark.Timer."""
    if device.type == "cpu":
        def call():
            fn()
    else:
        def call():
            fn()
            synchronize(device)
    return call


def warm_up(timed) -> tuple[int, float]:
    """Call `timed` until the warm-up minimums are met; returns (calls, seconds per call).

    The first call is left out of the estimate: it carries the one-time costs."""
    start = time.perf_counter()
    timed()
    first_done = now = time.perf_counter()
    calls = 1
    while calls < WARMUP_MIN_CALLS or now - start < WARMUP_MIN_S:
        timed()
        calls += 1
        now = time.perf_counter()
    return calls, (now - first_done) / (calls - 1)


def plan_rounds(per_call_s: float, budget_s: float = BUDGET_S) -> tuple[int, int]:
    """(iterations per round, rounds) for a call that takes `per_call_s` seconds."""
    iterations = max(1, math.ceil(MIN_ROUND_S / max(per_call_s, 1e-9)))
    rounds = math.floor(budget_s / (per_call_s * iterations)) if per_call_s > 0 else MAX_ROUNDS
    return iterations, min(MAX_ROUNDS, max(MIN_ROUNDS, rounds))


@contextlib.contextmanager
def gc_paused():
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def device_label(device: torch.device) -> str:
    """'cpu' or 'cuda:<index>' (the index of the current device when none is given)."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index}"
    return str(device)


# --- extra_info and the measurement -----------------------------------------------------------

def build_extra_info(*, unit: str, work_per_call: float, median_s: float | None,
                     device: torch.device, torch_threads: int, dtype: torch.dtype | None = None,
                     peak: Peak | None = None, **fields) -> dict:
    """The fields every benchmark records; throughput = work_per_call / median_s, or None when
    nothing was timed (benchmarks disabled)."""
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} is not one of {UNITS}")
    if not work_per_call > 0:
        raise ValueError(f"work_per_call must be positive, got {work_per_call!r}")
    throughput = None if median_s is None else work_per_call / median_s
    info = {
        "unit": unit,
        "work_per_call": float(work_per_call),
        "throughput": throughput,
        "device": device_label(device),
        "torch_threads": int(torch_threads),
    }
    if dtype is not None:
        info["dtype"] = str(dtype).removeprefix("torch.")
    if peak is not None:
        fraction = None if throughput is None or peak.gflops is None else throughput / peak.gflops
        info.update(peak_gflops=peak.gflops, peak_fraction=fraction, peak_source=peak.source)
    info.update(fields)
    return info


def measure(benchmark, fn, *, device, unit: str, work_per_call: float,
            dtype: torch.dtype | None = None, peak: Peak | None = None, **fields) -> dict:
    """Time `fn` with pytest-benchmark's `benchmark` fixture (see the module docstring) and
    record its extra_info; returns the extra_info."""
    device = torch.device(device)
    timed = timed_call(fn, device)
    with torch_threads(bench_threads()) as threads:
        if benchmark.disabled:
            benchmark.pedantic(timed)  # a smoke test: one call, nothing recorded
            median_s, fields["warmup_calls"] = None, 0
        else:
            fields["warmup_calls"], per_call_s = warm_up(timed)
            iterations, rounds = plan_rounds(per_call_s)
            with gc_paused():
                benchmark.pedantic(timed, rounds=rounds, iterations=iterations)
            median_s = benchmark.stats.stats.median
    info = build_extra_info(unit=unit, work_per_call=work_per_call, median_s=median_s,
                            device=device, torch_threads=threads, dtype=dtype, peak=peak, **fields)
    benchmark.extra_info.update(info)
    try:
        check_canary(info, peak)
    except ImpossibleThroughput:
        benchmark.has_error = True  # pytest-benchmark leaves it out of the JSON and the table
        raise
    return info
