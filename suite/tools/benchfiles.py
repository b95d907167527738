"""Benchmark result files as the comparison tools see them (python -m suite.tools.compare,
python -m suite.tools.gate): loading and checking, matching benchmarks across files, and the
environment differences between runs.

A benchmark result file is pytest-benchmark's --benchmark-json document with the suite's keys
added (suite/tools/schema.json, kind "benchmark"). Benchmarks are matched across files by their
pytest-benchmark "fullname"; `device_free_key` also matches a benchmark's CPU variant with its
CUDA variant, for CPU-versus-GPU comparisons.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from suite.tools import results

KIND = "benchmark"

# Environment fields in the order a reader wants them; "devices" is shown as "name (model)".
ENVIRONMENT_FIELDS = (
    "torch", "torchvision", "numpy", "python", "cuda_build", "cuda_available", "cudnn", "blas",
    "cpu_model", "cpu_count", "torch_threads", "memory_bytes", "devices", "hostname", "os",
    "git_commit",
)


class BenchFileError(Exception):
    """A file the comparison tools cannot use; the message says which file and why."""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Benchmark:
    fullname: str
    device: str  # "cpu", "cuda:0", ...
    unit: str
    work_per_call: float
    throughput: float | None  # None: the benchmark ran untimed (benchmarks disabled)
    torch_threads: int
    times: np.ndarray  # seconds per call, one per round (pytest-benchmark's stats.data)

    @property
    def key(self) -> str:
        return device_free_key(self.fullname, self.device)

    @property
    def median(self) -> float:
        return float(np.median(self.times))


@dataclass(frozen=True, eq=False)
class Run:
    """One benchmark result file."""

    path: Path
    label: str
    environment: dict
    benchmarks: dict  # fullname -> Benchmark, in the file's order

    @property
    def devices(self) -> list:
        return sorted({bench.device for bench in self.benchmarks.values()}, key=device_order)

    def device_model(self, device: str) -> str:
        for entry in self.environment["devices"]:
            if entry["name"] == device:
                return entry["model"]
        return "not in the environment record"


def device_order(device: str) -> tuple:
    kind, _, index = device.partition(":")
    return (kind != "cpu", kind, int(index) if index.isdigit() else -1)


def device_free_key(fullname: str, device: str) -> str:
    """The fullname without its device parameter: test_mm[cpu-float32-256] and
    test_mm[cuda-float32-256] both become test_mm[float32-256]."""
    base, bracket, param = fullname.partition("[")
    if not bracket:
        return fullname
    tokens = param.removesuffix("]").split("-")
    device_type = device.partition(":")[0]
    for candidate in (device, device_type):
        if candidate in tokens:
            tokens.remove(candidate)
            break
    return f"{base}[{'-'.join(tokens)}]" if tokens else base


def load(path, label: str | None = None) -> Run:
    """A benchmark result file, checked; BenchFileError with a clear message otherwise."""
    path = Path(path)
    try:
        document = results.read(path)
    except results.ResultError as error:
        raise BenchFileError(str(error)) from None
    return run_of(document, path, label)


def run_of(document: dict, path: Path, label: str | None = None) -> Run:
    """The Run of a result file already read (and validated) by results.read."""
    if document["kind"] != KIND:
        raise BenchFileError(
            f"{path}: is a {document['kind']} result file, not a benchmark result file "
            f"(python -m suite --parts benchmarks writes those)")
    benchmarks = {}
    for index, entry in enumerate(document["benchmarks"]):
        try:
            bench = benchmark_of(entry)
        except (KeyError, TypeError, ValueError) as error:
            raise BenchFileError(f"{path}: benchmark {index} is incomplete ({error!r})") from None
        if not (np.all(np.isfinite(bench.times)) and np.all(bench.times > 0)):
            raise BenchFileError(f"{path}: {bench.fullname} has timings that are not positive "
                                 "finite seconds (stats.data)")
        if bench.fullname in benchmarks:
            raise BenchFileError(f"{path}: benchmark {bench.fullname} appears twice")
        benchmarks[bench.fullname] = bench
    if not benchmarks:
        raise BenchFileError(f"{path}: contains no benchmarks")
    return Run(path, label or path.name, document["environment"], benchmarks)


def benchmark_of(entry: dict) -> Benchmark:
    info, stats = entry["extra_info"], entry["stats"]
    return Benchmark(
        fullname=entry["fullname"],
        device=info["device"],
        unit=info["unit"],
        work_per_call=float(info["work_per_call"]),
        throughput=None if info["throughput"] is None else float(info["throughput"]),
        torch_threads=int(info["torch_threads"]),
        times=np.asarray(stats["data"], dtype=float),
    )


def load_all(paths) -> list:
    """Every file, labelled by its name (by its path where two names are alike)."""
    paths = [Path(p) for p in paths]
    labels = unique_labels(paths)
    return [load(path, label) for path, label in zip(paths, labels)]


def unique_labels(paths) -> list:
    names = [path.name for path in paths]
    labels = [name if names.count(name) == 1 else str(path) for name, path in zip(names, paths)]
    seen = {}
    for index, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[index] = f"{label} #{seen[label]}"
    return labels


# --- environment differences -----------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    field: str
    values: tuple  # one display string per run


def show(field: str, environment: dict) -> str:
    value = environment.get(field)
    if field == "devices":
        return ", ".join(f"{d['name']} ({d['model']})" for d in value or [])
    if field == "git_commit" and value:
        return value[:12]
    if field == "memory_bytes" and value:
        return f"{value / 2**30:.1f} GiB"
    return str(value)


def environment_differences(runs, fields=ENVIRONMENT_FIELDS) -> list:
    """The environment fields whose values are not all alike across the runs."""
    differences = []
    for field in fields:
        values = tuple(show(field, run.environment) for run in runs)
        if len(set(values)) > 1:
            differences.append(Difference(field, values))
    return differences


def used_accelerator_models(run: Run, fullnames) -> dict:
    """{device: model} of the accelerators the given benchmarks ran on (cpu_model covers CPUs)."""
    devices = {run.benchmarks[name].device for name in fullnames} - {"cpu"}
    return {device: run.device_model(device) for device in sorted(devices, key=device_order)}


def invalidating_differences(baseline: Run, candidate: Run, fullnames) -> list:
    """What makes two runs' timings incomparable: other hardware. Software (torch, numpy, BLAS,
    CUDA build) may differ: comparing versions is the point. Thread counts are compared per
    benchmark (workload_differences): the harness pins its own, whatever the process default."""
    differences = []
    for field in ("cpu_model", "cuda_available"):
        values = (show(field, baseline.environment), show(field, candidate.environment))
        if values[0] != values[1]:
            differences.append(Difference(field, values))
    models = [used_accelerator_models(run, fullnames) for run in (baseline, candidate)]
    for device in sorted(set(models[0]) | set(models[1]), key=device_order):
        values = tuple(m.get(device, "not used") for m in models)
        if values[0] != values[1]:
            differences.append(Difference(f"{device} model", values))
    return differences


def workload_differences(baseline: Benchmark, candidate: Benchmark) -> list:
    """What makes one benchmark's two timings measure different things."""
    differences = []
    if baseline.unit != candidate.unit:
        differences.append(f"unit {baseline.unit} vs {candidate.unit}")
    if not math.isclose(baseline.work_per_call, candidate.work_per_call, rel_tol=1e-9):
        differences.append(
            f"work_per_call {baseline.work_per_call:g} vs {candidate.work_per_call:g}")
    if baseline.device != candidate.device:
        differences.append(f"device {baseline.device} vs {candidate.device}")
    if baseline.torch_threads != candidate.torch_threads:
        differences.append(
            f"torch_threads {baseline.torch_threads} vs {candidate.torch_threads}")
    return differences


# --- output helpers shared by both tools -------------------------------------------------------

def three_digits(value: float) -> str:
    """1.20, 12.3, 123: three significant digits, trailing zeros kept."""
    rounded = float(f"{value:.3g}")
    decimals = max(0, 2 - math.floor(math.log10(rounded))) if rounded > 0 else 2
    return f"{rounded:.{decimals}f}"


def format_seconds(seconds: float) -> str:
    """e.g. 1.20 ms, 999 µs, 12.3 s."""
    units = ((1e-9, "ns"), (1e-6, "µs"), (1e-3, "ms"), (1.0, "s"))
    for (scale, unit), following in zip(units, units[1:] + ((None, None),)):
        text = three_digits(seconds / scale)
        if following[0] is None or float(text) < 1000 and seconds < following[0]:
            return f"{text} {unit}"
    raise AssertionError("unreachable")


def format_throughput(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def table(header: list, rows: list) -> list:
    """Left-aligned text columns, two spaces apart."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    return ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
            for row in [header, *rows]]
