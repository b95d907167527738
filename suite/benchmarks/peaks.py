"""Peak FLOP/s of a device: NVIDIA's datasheets for CUDA, an estimate for CPUs, and the canary
that refuses a timing faster than a documented peak."""

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

import torch

from suite.plugin.options import bench_threads


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
