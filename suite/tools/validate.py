"""Validate the benchmark harness against torch.utils.benchmark.Timer on this machine.

    python -m suite.tools.validate [--op matmul|conv|training ...] [--repeats N]
                                        [--tolerance PERCENT] [--min-run-time SECONDS]

For each op, the benchmark is run through the real pipeline (pytest, pytest-benchmark and
harness.measure, in this process, with --benchmark-enable -n 0 and a JSON report), and the same
op, built by the same function, is timed by Timer.blocked_autorange with the same thread count.
The two alternate `--repeats` times; each alternation gives one difference (harness median /
Timer median - 1), and the figure is the median of these differences.

Exit status: 0 when every op agrees within ±PERCENT; 1 when one does not; 2 on a usage error;
3 (inconclusive) when an op is outside ±PERCENT but Timer's own medians spread by more than
±PERCENT / 2 around their median, so that the machine cannot resolve the tolerance. The thread
count is the benchmarks' (SUITE_BENCH_THREADS sets it for both sides).

Run it on a quiet machine: it prints the load average, because other processes on the cores
move both timings, on a shared 2-core VM by more than 5 % between processes.
"""

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

import suite
from suite.benchmarks import harness, workloads
from suite.plugin import options


CPU = torch.device("cpu")


@dataclass(frozen=True)
class Check:
    test_id: str
    build: object  # () -> the callable the benchmark times


def _matmul():
    return workloads.matmul_call(CPU, torch.float32, 1024)[0]


def _conv():
    case = next(c for c in workloads.CONV_CASES if c.name == "mymodel_conv2")
    return workloads.conv_call(CPU, case, "forward")


def _training():
    return workloads.training_step_call(CPU, *workloads.TRAINING_CASES["mlp_sgd-batch64"])


CHECKS = {
    "matmul": Check("suite/benchmarks/test_bench_matmul.py::test_matmul[cpu-float32-1024]",
                    _matmul),
    "conv": Check("suite/benchmarks/test_bench_conv.py::test_conv2d[cpu-forward-mymodel_conv2]",
                  _conv),
    "training": Check(
        "suite/benchmarks/test_bench_training.py::test_training_step[cpu-mlp_sgd-batch64]",
        _training),
}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m suite.tools.validate",
        description="Time the same ops with the benchmark harness (pytest-benchmark + "
        "suite/benchmarks/harness.py) and with torch.utils.benchmark.Timer.blocked_autorange; "
        "print both medians and their difference; exit 1 if one differs by more than the "
        "tolerance.",
    )
    parser.add_argument("--op", dest="ops", action="append", choices=tuple(CHECKS),
                        help="an op to check (repeatable; default: all of "
                        f"{', '.join(CHECKS)})")
    parser.add_argument("--repeats", type=int, default=5,
                        help="alternations of harness and Timer per op, at least 3 (default: 5)")
    parser.add_argument("--tolerance", type=float, default=5.0, metavar="PERCENT",
                        help="largest accepted |harness - Timer| / Timer, in %% (default: 5)")
    parser.add_argument("--min-run-time", type=float, default=harness.BUDGET_S, metavar="SECONDS",
                        help="Timer.blocked_autorange's min_run_time (default: the harness's "
                        f"per-benchmark budget, {harness.BUDGET_S} s)")
    args = parser.parse_args(argv)
    if args.repeats < 3:
        parser.error("--repeats must be at least 3: Timer's own spread needs them")
    if not args.tolerance > 0:
        parser.error("--tolerance must be positive")
    if not args.min_run_time > 0:
        parser.error("--min-run-time must be positive")
    try:
        options.bench_threads()
    except ValueError as error:
        parser.error(str(error))
    args.ops = args.ops or list(CHECKS)
    return args


def harness_median(test_id: str) -> float:
    """The median seconds per call that the benchmark run records for `test_id`."""
    import pytest

    with tempfile.TemporaryDirectory(prefix="suite-validate-") as scratch:
        report = Path(scratch) / "benchmark.json"
        output = io.StringIO()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            exit_code = pytest.main([
                str(suite.ROOT / test_id), "--rootdir", str(suite.ROOT), "-p", "no:cacheprovider",
                "-q", "-n", "0", "--benchmark-enable", f"--benchmark-json={report}",
            ])
        if exit_code != 0 or not report.exists():
            raise RuntimeError(f"the benchmark run of {test_id} failed (pytest exit code "
                               f"{exit_code}):\n{output.getvalue()}")
        benchmarks = json.loads(report.read_text())["benchmarks"]
    if len(benchmarks) != 1:
        raise RuntimeError(f"expected one benchmark for {test_id}, got {len(benchmarks)}")
    return benchmarks[0]["stats"]["median"]


def timer_median(fn, min_run_time: float) -> float:
    from torch.utils.benchmark import Timer

    timer = Timer(stmt="fn()", globals={"fn": fn}, num_threads=options.bench_threads())
    return timer.blocked_autorange(min_run_time=min_run_time).median


@dataclass(frozen=True)
class Verdict:
    difference: float  # median over alternations of harness / Timer - 1, in %
    timer_spread: float  # the Timer's own spread: median |Timer_i / median - 1|, in %


def validate(name: str, check: Check, args) -> Verdict:
    """Alternate the two timings. Pairs, in ABBA order, because this machine's speed drifts
    between processes and over seconds (other jobs, clocks): a pair taken a second apart sees
    the same machine, two medians taken a minute apart may not."""
    fn = check.build()
    harness, timer = [], []
    for repeat in range(args.repeats):
        if repeat % 2 == 0:
            harness.append(harness_median(check.test_id))
            timer.append(timer_median(fn, args.min_run_time))
        else:
            timer.append(timer_median(fn, args.min_run_time))
            harness.append(harness_median(check.test_id))
        print(f"  {name:<9} harness {harness[-1] * 1e3:9.3f} ms   Timer {timer[-1] * 1e3:9.3f} ms"
              f"   {100 * (harness[-1] / timer[-1] - 1):+6.2f} %")
    differences = [100 * (h / t - 1) for h, t in zip(harness, timer, strict=True)]
    deviations = [100 * abs(t / statistics.median(timer) - 1) for t in timer]
    verdict = Verdict(statistics.median(differences), statistics.median(deviations))
    print(f"{name:<9} median difference {verdict.difference:+6.2f} %   Timer's own spread "
          f"±{verdict.timer_spread:.2f} %   ({check.test_id})")
    return verdict


def load_line() -> str:
    """The machine's load: other processes on the cores make both timings wander."""
    try:
        one_minute = os.getloadavg()[0]
    except OSError:
        return "load average unknown"
    return f"load average (1 min) {one_minute:.2f} on {os.cpu_count()} CPUs"


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(f"torch {torch.__version__}, {options.bench_threads()} threads; "
          f"{args.repeats} alternations per op, tolerance ±{args.tolerance:g} %; {load_line()}")
    outside, unresolved = [], []
    for name in args.ops:
        verdict = validate(name, CHECKS[name], args)
        if abs(verdict.difference) > args.tolerance:
            # Timer against itself differs by as much: the machine, not the harness
            noisy = 2 * verdict.timer_spread > args.tolerance
            (unresolved if noisy else outside).append(name)
    print(f"at the end: {load_line()}")
    if outside:
        print(f"outside ±{args.tolerance:g} %: {', '.join(outside)}")
        return 1
    if unresolved:
        print(f"inconclusive: {', '.join(unresolved)} outside ±{args.tolerance:g} %, but Timer's "
              "own runs spread as much on this machine; rerun when it is quiet")
        return 3
    print(f"all within ±{args.tolerance:g} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
