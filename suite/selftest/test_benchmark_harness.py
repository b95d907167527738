"""Self-tests of the benchmark harness (suite/benchmarks/harness.py), none of which needs a GPU:
CUDA is simulated by replacing torch.cuda's functions with recorders."""

import math
import weakref

import pytest
import torch

from suite.tools import main
from suite.benchmarks import harness, peaks
from suite.plugin import options
from suite.tools import validate

H100_SXM = "NVIDIA H100 80GB HBM3"


class Stats:
    def __init__(self, data):
        self.data = data
        self.median = sorted(data)[len(data) // 2]


class FakeBenchmark:
    """pytest-benchmark's fixture as `measure` uses it: `disabled`, `pedantic`, `stats.stats`,
    `extra_info`, `has_error`. The rounds it times are logged in `events`, and each reports
    `seconds_per_call`, so that a test decides the median."""

    def __init__(self, events, disabled=False, seconds_per_call=1e-3):
        self.events, self.disabled, self.seconds_per_call = events, disabled, seconds_per_call
        self.extra_info, self.has_error, self.stats, self.rounds = {}, False, None, None

    def pedantic(self, target, rounds=1, iterations=1, warmup_rounds=0):
        if self.disabled:
            return target()
        self.rounds, self.iterations = rounds, iterations
        for _ in range(rounds):
            self.events.append("start")
            for _ in range(iterations):
                target()
            self.events.append("stop")
        self.stats = type("Metadata", (), {"stats": Stats([self.seconds_per_call] * rounds)})()


class KeepsResults(FakeBenchmark):
    """Keeps each round's result until the next round has run, as pytest-benchmark 5 does."""

    def pedantic(self, target, rounds=1, iterations=1, warmup_rounds=0):
        result = None
        for _ in range(rounds):
            result = target()  # noqa: F841 (kept alive on purpose)
        self.rounds, self.iterations = rounds, iterations
        self.stats = type("Metadata", (), {"stats": Stats([self.seconds_per_call] * rounds)})()


@pytest.fixture
def fake_cuda(monkeypatch):
    """torch.cuda as seen on an H100 with TF32 off (torch's default); synchronize is logged."""
    events = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: events.append("sync"))
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: H100_SXM)
    monkeypatch.setattr(torch, "get_float32_matmul_precision", lambda: "highest")
    return events


def test_cuda_work_is_synchronized_inside_every_timed_call(fake_cuda):
    events = fake_cuda
    benchmark = FakeBenchmark(events)
    harness.measure(benchmark, lambda: events.append("kernel"), device="cuda", unit="GFLOP/s",
                   work_per_call=1.0)
    first_round = events.index("start")
    warm_up = events[:first_round]
    assert warm_up == ["kernel", "sync"] * (len(warm_up) // 2)
    assert len(warm_up) // 2 >= harness.WARMUP_MIN_CALLS, "no warm-up before the timed rounds"
    timed = "".join("s" if e == "start" else "e" if e == "stop" else "k" if e == "kernel" else "y"
                    for e in events[first_round:])
    one_round = "s" + "ky" * benchmark.iterations + "e"
    assert timed == one_round * benchmark.rounds, "a synchronization fell outside a timed round"


def test_cpu_work_is_not_synchronized(monkeypatch):
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: pytest.fail("synchronized"))
    calls = []
    harness.timed_call(lambda: calls.append(1), torch.device("cpu"))()
    assert calls == [1]
    harness.synchronize(torch.device("cpu"))
    with pytest.raises(ValueError, match="no synchronization known"):
        harness.synchronize(torch.device("meta"))


def test_impossible_cuda_throughput_is_an_error_not_a_result(fake_cuda):
    peak = peaks.matmul_peak(torch.device("cuda"), torch.float32)
    assert peak.binding and peak.gflops == 67_000
    gflop = harness.matmul_gflop(8192, 8192, 8192)
    # 1.1 TFLOP in 10 µs: what a timing that misses the synchronization sees (a kernel launch)
    benchmark = FakeBenchmark(fake_cuda, seconds_per_call=10e-6)
    with pytest.raises(peaks.ImpossibleThroughput, match="exceeds the peak"):
        harness.measure(benchmark, lambda: None, device="cuda", unit="GFLOP/s",
                       work_per_call=gflop, dtype=torch.float32, peak=peak)
    assert benchmark.has_error, "pytest-benchmark would still write the impossible figure"

    plausible = FakeBenchmark(fake_cuda, seconds_per_call=gflop / 50_000)
    info = harness.measure(plausible, lambda: None, device="cuda", unit="GFLOP/s",
                          work_per_call=gflop, dtype=torch.float32, peak=peak)
    assert not plausible.has_error
    assert math.isclose(info["peak_fraction"], 50_000 / 67_000)
    assert info["device"] == "cuda:0" and info["peak_source"].startswith("datasheet: NVIDIA H100")


def test_estimated_or_unknown_peaks_are_reported_not_enforced():
    info = {"throughput": 1e9, "unit": "GFLOP/s", "device": "cpu"}
    peaks.check_canary(info, peaks.Peak(100.0, "estimate: ..."))
    peaks.check_canary(info, peaks.UNKNOWN_PEAK)
    with pytest.raises(peaks.ImpossibleThroughput):
        peaks.check_canary(info, peaks.Peak(100.0, "datasheet: ...", binding=True))


@pytest.mark.parametrize("median_s", [0.25, None], ids=["timed", "disabled"])
def test_extra_info_has_the_contract_fields(median_s):
    info = harness.build_extra_info(unit="GFLOP/s", work_per_call=2.0, median_s=median_s,
                                   device=torch.device("cpu"), torch_threads=3,
                                   dtype=torch.float32, peak=peaks.Peak(16.0, "estimate: x"),
                                   size=512)
    assert info["unit"] == "GFLOP/s" and info["work_per_call"] == 2.0
    assert info["device"] == "cpu" and info["torch_threads"] == 3 and info["dtype"] == "float32"
    assert info["peak_gflops"] == 16.0 and info["peak_source"] == "estimate: x"
    assert info["size"] == 512
    if median_s is None:
        assert info["throughput"] is None and info["peak_fraction"] is None
    else:
        assert info["throughput"] == 8.0 and info["peak_fraction"] == 0.5


def test_extra_info_refuses_unknown_units_and_empty_work():
    common = {"median_s": 1.0, "device": torch.device("cpu"), "torch_threads": 1}
    with pytest.raises(ValueError, match="unit"):
        harness.build_extra_info(unit="ops/s", work_per_call=1.0, **common)
    with pytest.raises(ValueError, match="work_per_call"):
        harness.build_extra_info(unit="images/s", work_per_call=0, **common)


@pytest.mark.parametrize("device_type", ["cpu", "cuda"])  # CUDA simulated (fake_cuda)
def test_timed_call_drops_the_result_inside_the_call(fake_cuda, device_type):
    """pytest-benchmark keeps a timed function's result alive through the next round; the
    harness must not let a large output stay allocated while the next call runs."""
    alive = weakref.WeakSet()

    class Output:
        pass

    def make_output():
        assert not alive, "the previous call's output is still alive"
        output = Output()
        alive.add(output)
        return output

    benchmark = KeepsResults(fake_cuda)
    harness.measure(benchmark, make_output, device=device_type, unit="images/s", work_per_call=1)


def test_disabled_benchmark_runs_once_and_records_no_throughput():
    calls = []
    benchmark = FakeBenchmark([], disabled=True)
    info = harness.measure(benchmark, lambda: calls.append(1), device="cpu", unit="images/s",
                          work_per_call=8)
    assert calls == [1] and info["throughput"] is None and info["warmup_calls"] == 0
    assert benchmark.extra_info == info


def test_thread_count_is_fixed_recorded_and_restored(monkeypatch):
    monkeypatch.setenv(options.THREADS_ENV, "3")
    before = torch.get_num_threads()
    seen = []
    benchmark = FakeBenchmark([])
    with harness.torch_threads(1):
        info = harness.measure(benchmark, lambda: seen.append(torch.get_num_threads()),
                              device="cpu", unit="samples/s", work_per_call=1)
        assert torch.get_num_threads() == 1, "the caller's thread count was not restored"
    assert set(seen) == {3} and info["torch_threads"] == 3
    assert torch.get_num_threads() == before


def test_one_thread_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv(options.THREADS_ENV, raising=False)
    assert options.bench_threads() == 1
    monkeypatch.setenv(options.THREADS_ENV, "4")
    assert options.bench_threads() == 4


def test_thread_count_setting_is_checked(monkeypatch, capsys):
    monkeypatch.setenv(options.THREADS_ENV, "0")
    with pytest.raises(ValueError, match=options.THREADS_ENV):
        options.bench_threads()
    monkeypatch.setenv(options.THREADS_ENV, "two")
    for parse_args, argv in ((validate.parse_args, []), (main.parse_args, ["--parts", "benchmarks"])):
        with pytest.raises(SystemExit) as exit_info:  # argparse's usage error, no traceback
            parse_args(argv)
        assert exit_info.value.code == 2
        assert f"{options.THREADS_ENV} must be a positive integer, got 'two'" in capsys.readouterr().err


@pytest.mark.parametrize("per_call_s", [1e-7, 1e-5, 1e-3, 0.05, 2.0])
def test_rounds_plan_meets_the_minimums(per_call_s):
    iterations, rounds = harness.plan_rounds(per_call_s)
    assert harness.MIN_ROUNDS <= rounds <= harness.MAX_ROUNDS and rounds >= 20
    assert iterations * per_call_s >= harness.MIN_ROUND_S or iterations == 1
    if rounds > harness.MIN_ROUNDS:
        assert rounds * iterations * per_call_s <= harness.BUDGET_S * 1.001


def test_warm_up_leaves_the_first_call_out_of_the_estimate(monkeypatch):
    clock = iter([0.0, 1.0] + [1.0 + 0.06 * n for n in range(1, 100)])  # a slow first call
    monkeypatch.setattr(harness.time, "perf_counter", lambda: next(clock))
    calls, per_call_s = harness.warm_up(lambda: None)
    assert calls == harness.WARMUP_MIN_CALLS
    assert per_call_s == pytest.approx(0.06)


@pytest.mark.parametrize("name, model", [
    (H100_SXM, "H100 SXM5"), ("NVIDIA H100 PCIe", "H100 PCIe"), ("NVIDIA H100 NVL", "H100 NVL"),
    ("NVIDIA H200", "H200 SXM"), ("NVIDIA H200 NVL", "H200 NVL"),
    ("NVIDIA A100-SXM4-80GB", "A100"), ("NVIDIA A100 80GB PCIe", "A100"),
    ("NVIDIA A10", "A10"), ("NVIDIA A10G", None), ("NVIDIA A30", "A30"),
    ("NVIDIA L4", "L4"), ("NVIDIA L40S", "L40S"), ("NVIDIA L40", None),
    ("Tesla V100-SXM2-16GB", "V100 SXM2"), ("Tesla V100-PCIE-32GB", "V100 PCIe"),
    ("Tesla V100S-PCIE-32GB", "V100S PCIe"),
    ("Tesla T4", "T4"), ("NVIDIA GeForce RTX 4090", None),
])
def test_datasheet_is_found_by_device_name(name, model):
    entry = peaks.datasheet_entry(name)
    assert (entry.model if entry else None) == model


def test_datasheet_peaks_are_ordered_by_precision():
    """Tensor Core peaks beat the FP32 CUDA cores, and 16-bit beats TF32, on every listed GPU."""
    for entry in peaks.DATASHEETS:
        tflops = [entry.tflops[m] for m in ("float32", "tfloat32", "float16") if m in entry.tflops]
        assert tflops == sorted(tflops) and len(set(tflops)) == len(tflops), entry.model


@pytest.mark.parametrize("precision, name, expected", [
    ("highest", H100_SXM, 67_000), ("high", H100_SXM, 494_500), ("medium", H100_SXM, 989_500),
    ("high", "Tesla V100-SXM2-16GB", 15_700),  # no TF32 units: float32 stays FP32
])
def test_float32_peak_follows_torch_matmul_precision(monkeypatch, precision, name, expected):
    monkeypatch.setattr(torch, "get_float32_matmul_precision", lambda: precision)
    assert peaks.cuda_matmul_peak(name, torch.float32).gflops == expected


def test_half_precision_peaks_and_unknowns():
    assert peaks.cuda_matmul_peak(H100_SXM, torch.bfloat16).gflops == 989_500
    assert peaks.cuda_matmul_peak("Tesla T4", torch.bfloat16) == peaks.UNKNOWN_PEAK
    assert peaks.cuda_matmul_peak("NVIDIA GeForce RTX 4090", torch.float16) == peaks.UNKNOWN_PEAK
    assert peaks.matmul_peak(torch.device("cpu"), torch.float64) == peaks.UNKNOWN_PEAK


def cpuinfo(processors):
    return "\n\n".join("\n".join(f"{k}\t: {v}" for k, v in p.items()) for p in processors) + "\n"


def test_cpu_peak_estimate_counts_physical_cores_maximum_clock_and_vector_width():
    amd = cpuinfo([{"processor": i, "model name": "AMD EPYC", "physical id": 0, "core id": i,
                    "cpu MHz": "2445.404", "flags": "fpu sse2 avx fma avx2"} for i in range(2)])
    peak = peaks.cpu_peak_estimate(amd, max_khz=3_500_000)
    assert peak.gflops == pytest.approx(2 * 3.5 * 32) and not peak.binding
    assert peak.source.startswith("estimate: 2 cores x 3.500 GHz")
    # hyperthreads share a core; torch's thread count caps the cores within reach
    intel = cpuinfo([{"processor": i, "model name": "Intel(R) Xeon(R) CPU @ 2.20GHz",
                      "physical id": 0, "core id": i // 2, "cpu MHz": "3100.0",
                      "flags": "sse2 avx fma avx2 avx512f"} for i in range(4)])
    assert peaks.cpu_peak_estimate(intel, 3_000_000).gflops == pytest.approx(2 * 3.0 * 64)
    assert peaks.cpu_peak_estimate(intel, 3_000_000, threads=1).gflops == pytest.approx(3.0 * 64)
    assert peaks.cpu_peak_estimate(intel, 3_000_000, threads=8).gflops == pytest.approx(6.0 * 64)


def test_cpu_peak_is_unknown_without_a_maximum_clock():
    """A base clock is no peak: turbo beats it (it did on the VM this suite was written on)."""
    amd = cpuinfo([{"processor": 0, "physical id": 0, "core id": 0, "cpu MHz": "2445.404",
                    "flags": "avx fma avx2"}])
    peak = peaks.cpu_peak_estimate(amd, max_khz=None)
    assert peak.gflops is None and peak.source.startswith("unknown: no maximum clock")
    assert "78.3 GFLOP/s" in peak.source  # 1 core x 2.445 GHz x 32: said, not used
    assert peaks.cpu_peak_estimate("") == peaks.UNKNOWN_PEAK
    assert peaks.cpu_peak_estimate(cpuinfo([{"processor": 0, "flags": "mmx"}]), 2_000_000) \
        == peaks.UNKNOWN_PEAK


def test_work_accounting():
    assert harness.matmul_gflop(2, 3, 4) == 2 * 2 * 3 * 4 / 1e9
    # Conv2d(1, 6, 3, padding=1) on 28x28: 6*28*28 outputs of 9 multiply-adds, per image
    assert harness.conv2d_gflop(10, 1, 6, 3, 28) == pytest.approx(10 * 6 * 28 * 28 * 9 * 2 / 1e9)
    assert harness.conv2d_gflop(1, 32, 32, 3, 8, groups=32) == pytest.approx(32 * 64 * 9 * 2 / 1e9)


def test_real_benchmark_fixture(benchmark):
    """The harness against pytest-benchmark itself: enabled (-n 0 --benchmark-enable) it times
    at least MIN_ROUNDS rounds; disabled (the default run, or xdist) it runs once."""
    x = torch.ones(64)
    info = harness.measure(benchmark, lambda: x.sum(), device="cpu", unit="GB/s",
                          work_per_call=harness.gigabytes(x.nbytes))
    assert benchmark.extra_info["unit"] == "GB/s"
    if benchmark.disabled:
        assert info["throughput"] is None
    else:
        assert len(benchmark.stats.stats.data) >= harness.MIN_ROUNDS
        median = benchmark.stats.stats.median
        assert info["throughput"] == pytest.approx(info["work_per_call"] / median)


@pytest.mark.parametrize("argv", [["--op", "nope"], ["--repeats", "2"], ["--tolerance", "0"],
                                  ["--min-run-time", "-1"]])
def test_validate_refuses_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        validate.parse_args(argv)
    assert exit_info.value.code == 2 and "usage: python -m suite.tools.validate" in \
        capsys.readouterr().err


@pytest.mark.parametrize("difference, spread, status", [
    (+4.0, 1.0, 0), (-4.0, 9.0, 0),  # within the tolerance
    (+8.0, 1.0, 1),  # outside, and Timer agrees with itself: the harness is off
    (+8.0, 4.0, 3),  # outside, but Timer's own runs spread by ±4 %: inconclusive
])
def test_validate_verdict(monkeypatch, capsys, difference, spread, status):
    monkeypatch.setattr(validate, "validate",
                        lambda name, check, args: validate.Verdict(difference, spread))
    assert validate.main(["--op", "matmul"]) == status
