"""The benchmarks' timing harness: work accounting, synchronization, warm-up, the fixed thread
count, the peak FLOP/s table and its canary, and the `extra_info` every benchmark records.

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
5. records `extra_info` (`build_extra_info`) and applies the canary (`check_canary`).

With benchmarks disabled (`--benchmark-disable`, or under xdist) `fn` runs once, untimed, as a
smoke test, and `throughput` is null: one cold call is not a measurement and must not be read
as one.
"""

import contextlib
import gc
import math
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import torch

UNITS = ("GFLOP/s", "images/s", "samples/s", "GB/s")

WARMUP_MIN_CALLS = 2
WARMUP_MIN_S = 0.1
MIN_ROUND_S = 0.002
MIN_ROUNDS = 20
MAX_ROUNDS = 200
BUDGET_S = 1.0

# One intra-op thread unless SUITE_BENCH_THREADS says otherwise: torch.utils.benchmark.Timer's
# default too. One thread gives figures that compare across machines of any core count, and
# that survive a neighbour: on the 2-core VM this suite was written on, with 2 threads a
# training step of the seed MLP went from 4 ms to 160 ms while another process held one core
# (each parallel region waits for the descheduled thread), with 1 thread it at most doubles.
# For multi-core throughput set SUITE_BENCH_THREADS to the core count, and compare runs only at
# equal torch_threads.
THREADS_ENV = "SUITE_BENCH_THREADS"
DEFAULT_THREADS = 1


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

def bench_threads() -> int:
    """The intra-op thread count every benchmark runs with (recorded as torch_threads)."""
    value = os.environ.get(THREADS_ENV)
    if value is None:
        return DEFAULT_THREADS
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{THREADS_ENV} must be a positive integer, got {value!r}")
    return int(value)


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


# --- peak FLOP/s ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Peak:
    """A device's peak for one dtype. `binding`: a documented figure that no timing can beat,
    so the canary applies; an estimate or an unknown peak is reported, never enforced."""

    gflops: float | None
    source: str
    binding: bool = False


UNKNOWN_PEAK = Peak(None, "unknown")


@dataclass(frozen=True)
class DatasheetEntry:
    model: str
    pattern: str  # matched, case-insensitively, against torch.cuda.get_device_name()
    tflops: dict  # dense (no structured sparsity) peak TFLOP/s by math mode
    datasheet: str


# Dense peaks from NVIDIA's datasheets. The datasheets of Ampere and later print the Tensor Core
# figures "with sparsity" (marked *); the dense peak is half of that, and that is what is written
# here. float32 is the CUDA-core (non-Tensor-Core) FP32 peak; tfloat32 is the TF32 Tensor Core
# peak that float32 matmuls reach when torch allows TF32. First match wins, so the specific
# variants come before their family; an unrecognised H100 or H200 variant gets the SXM figures,
# the family's highest, so the canary never fires on a real timing.
MODES = ("float32", "tfloat32", "float16", "bfloat16")
NA = None  # the GPU has no units for that math
DATASHEETS = tuple(
    DatasheetEntry(model, pattern, {m: v for m, v in zip(MODES, peaks, strict=True) if v}, sheet)
    for model, pattern, *peaks, sheet in (
        # model       pattern        float32 tfloat32 float16 bfloat16  NVIDIA datasheet
        ("H100 PCIe", r"H100.*PCIe", 51, 378, 756.5, 756.5, "H100 Tensor Core GPU, PCIe column"),
        ("H100 NVL", r"H100.*NVL", 60, 417.5, 835.5, 835.5, "H100 Tensor Core GPU, NVL column"),
        ("H100 SXM5", r"H100", 67, 494.5, 989.5, 989.5, "H100 Tensor Core GPU, SXM column"),
        ("H200 NVL", r"H200.*NVL", 60, 417.5, 835.5, 835.5, "H200 Tensor Core GPU, NVL column"),
        ("H200 SXM", r"H200", 67, 494.5, 989.5, 989.5, "H200 Tensor Core GPU, SXM column"),
        ("A100", r"A100", 19.5, 156, 312, 312, "A100 Tensor Core GPU (40/80 GB, SXM and PCIe)"),
        ("A30", r"\bA30\b", 10.3, 82, 165, 165, "A30 Tensor Core GPU"),
        ("A10", r"\bA10\b", 31.2, 62.5, 125, 125, "A10 Tensor Core GPU"),
        ("L40S", r"\bL40S\b", 91.6, 183, 362.05, 362.05, "L40S GPU"),
        ("L4", r"\bL4\b", 30.3, 60, 121, 121, "L4 Tensor Core GPU"),
        # Volta and Turing: no TF32 (float32 matmuls run as FP32), no bfloat16 Tensor Cores
        ("V100S PCIe", r"V100S", 16.4, NA, 130, NA, "V100 Tensor Core GPU, V100S PCIe column"),
        ("V100 PCIe", r"V100.*PCIe", 14, NA, 112, NA, "V100 Tensor Core GPU, V100 PCIe column"),
        ("V100 SXM2", r"V100", 15.7, NA, 125, NA, "V100 Tensor Core GPU, V100 SXM2 column"),
        ("T4", r"\bT4\b", 8.1, NA, 65, NA, "T4 Tensor Core GPU"),
    )
)


def datasheet_entry(device_name: str) -> DatasheetEntry | None:
    for entry in DATASHEETS:
        if re.search(entry.pattern, device_name, re.IGNORECASE):
            return entry
    return None


def cuda_float32_math() -> str:
    """What a float32 CUDA matmul may run as under torch's current settings: 'float32',
    'tfloat32' (TF32 allowed) or 'bfloat16' (float32_matmul_precision 'medium')."""
    precision = torch.get_float32_matmul_precision()
    if precision == "medium":
        return "bfloat16"
    matmul = torch.backends.cuda.matmul
    if (precision == "high" or getattr(matmul, "allow_tf32", False)
            or getattr(matmul, "fp32_precision", None) == "tf32"):
        return "tfloat32"
    return "float32"


def cuda_matmul_peak(device_name: str, dtype: torch.dtype) -> Peak:
    entry = datasheet_entry(device_name)
    if entry is None:
        return UNKNOWN_PEAK
    if dtype == torch.float32:  # reduced-precision math where allowed, else FP32
        modes = {"float32": ("float32",), "tfloat32": ("tfloat32", "float32"),
                 "bfloat16": ("bfloat16", "tfloat32", "float32")}[cuda_float32_math()]
    else:
        modes = (str(dtype).removeprefix("torch."),)
    for mode in modes:
        if mode in entry.tflops:
            return Peak(entry.tflops[mode] * 1000,
                        f"datasheet: NVIDIA {entry.datasheet}, dense {mode} {entry.tflops[mode]} "
                        f"TFLOP/s (device {device_name!r})", binding=True)
    return UNKNOWN_PEAK


# Single-precision FLOPs per cycle per core by the widest vector FMA the flags announce, assuming
# two FMA pipes (Intel since Haswell, AMD since Zen 2); parts with one pipe reach half.
FP32_FLOPS_PER_CYCLE = (("avx512f", 64), ("fma", 32), ("avx", 16), ("sse2", 8))
CPUFREQ_MAX = "/sys/devices/system/cpu/cpu*/cpufreq/cpuinfo_max_freq"


def cpu_peak_estimate(cpuinfo_text: str, max_khz: int | None = None,
                      threads: int | None = None) -> Peak:
    """cores x maximum clock x FP32 FLOPs/cycle: an upper estimate (AVX code often runs below the
    maximum clock, and a part with one FMA pipe reaches half), never enforced.

    The clock must be the maximum (cpufreq's cpuinfo_max_freq, turbo included). Without it the
    peak is unknown: /proc/cpuinfo's "cpu MHz" and the model name give a base or momentary
    clock, which turbo exceeds (on the 2-core EPYC VM this suite was written on, a 256x256 matmul
    ran at 1.01 times the 2.445 GHz figure). Cores: the physical cores, or `threads` when torch
    uses fewer (the peak within its reach)."""
    fields = [dict(_cpuinfo_pairs(block)) for block in cpuinfo_text.split("\n\n")]
    fields = [f for f in fields if "processor" in f]
    if not fields:
        return UNKNOWN_PEAK
    cores = len({(f.get("physical id"), f.get("core id", f["processor"])) for f in fields})
    cores = min(cores, threads) if threads else cores
    flags = set(fields[0].get("flags", "").split())
    per_cycle = next((n for flag, n in FP32_FLOPS_PER_CYCLE if flag in flags), None)
    if per_cycle is None:
        return UNKNOWN_PEAK
    if max_khz is None:
        mhz = [float(f["cpu MHz"]) for f in fields if "cpu MHz" in f]
        at_base = (f"; at the {max(mhz) / 1000:.3f} GHz of /proc/cpuinfo it would be "
                   f"{cores * max(mhz) / 1000 * per_cycle:.1f} GFLOP/s, which turbo exceeds"
                   if mhz else "")
        return Peak(None, f"unknown: no maximum clock (cpufreq absent){at_base}")
    ghz = max_khz / 1e6
    return Peak(cores * ghz * per_cycle,
                f"estimate: {cores} cores x {ghz:.3f} GHz (cpufreq maximum) x {per_cycle} FP32 "
                "FLOP/cycle (flags in /proc/cpuinfo)")


def _cpuinfo_pairs(block):
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            yield key.strip(), value.strip()


def cpu_max_khz() -> int | None:
    values = []
    for path in Path("/").glob(CPUFREQ_MAX.lstrip("/")):
        with contextlib.suppress(OSError, ValueError):
            values.append(int(path.read_text()))
    return max(values) if values else None


def matmul_peak(device: torch.device, dtype: torch.dtype) -> Peak:
    """The peak GFLOP/s a matmul of `dtype` on `device` can reach, and where it comes from."""
    if device.type == "cuda":
        return cuda_matmul_peak(torch.cuda.get_device_name(device), dtype)
    if device.type == "cpu" and dtype == torch.float32:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return UNKNOWN_PEAK
        return cpu_peak_estimate(cpuinfo, cpu_max_khz(), bench_threads())
    return UNKNOWN_PEAK


class ImpossibleThroughput(RuntimeError):
    """A timing beat the device's documented peak: the timing is wrong, not the device fast."""


def check_canary(info: dict, peak: Peak | None) -> None:
    throughput = info.get("throughput")
    if peak is None or not peak.binding or throughput is None:
        return
    if throughput > peak.gflops:
        raise ImpossibleThroughput(
            f"{throughput:,.0f} {info['unit']} on {info['device']} exceeds the peak of "
            f"{peak.gflops:,.0f} GFLOP/s ({peak.source}): a missing synchronization or wrong "
            "work accounting, not a result"
        )


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
