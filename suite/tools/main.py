"""The main job: conformance, convergence, benchmarks and instruction counts, one result file
each, and a summary.

    python -m suite [--parts conformance,convergence,benchmarks,counts] [--device cpu|cuda|all]
                    [--hypothesis-profile dev|ci|thorough] [--workers auto|N]
                    [--convergence full|short] [--compile full|quick] [--results-dir DIR]
                    [-k EXPRESSION] [--junitxml PATH] [--no-report]
    python -m suite --break NAME|all|list [--device ...] [--workers ...] [-k EXPRESSION]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import suite
from suite import environment
from suite.plugin import options, profiles, reporting
from suite.tools import junit, results

# Relative to suite.ROOT, the rootdir of every part: the node ids read "suite/conformance/..."
# whether the suite is a checkout or installed, and whatever the working directory.
CONFORMANCE_TESTS = "suite/conformance"
BENCHMARK_TESTS = "suite/benchmarks"
CONVERGENCE_TESTS = "suite/convergence"
PYTEST_INI = Path(__file__).parent / "pytest.ini"
PARTS = ("conformance", "convergence", "benchmarks", "counts")
# Rounds, warm-up and threads are the harness's (suite/benchmarks/harness.py), whatever pytest-
# benchmark's own options say; these only choose the terminal table's columns.
BENCHMARK_OPTIONS = ["--benchmark-columns=median,iqr,rounds,iterations"]


@dataclass
class PartResult:
    """What one part of the job left: its exit code, its result file, summary lines."""

    name: str
    exit_code: int
    path: Path | None = None
    lines: list = field(default_factory=list)


def workers(value: str) -> str:
    if value == "auto" or (value.isdigit() and int(value) >= 0):
        return value
    raise argparse.ArgumentTypeError(f"expected 'auto' or a number of workers, got {value!r}")


def parts(value: str) -> tuple:
    chosen = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [part for part in chosen if part not in PARTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {', '.join(PARTS)}, got {value!r}")
    return chosen


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m suite",
        description="Run the conformance suite, the convergence runs and the benchmarks on the "
        "installed torch; write one result file per part and print a summary.",
    )
    parser.add_argument("--parts", type=parts, default=None,
                        help="which parts to run, comma-separated (default: all four; counts "
                        "needs valgrind and gcc and is left out with the reason without them)")
    parser.add_argument("--device", choices=("cpu", "cuda", "all"), default="all",
                        help="devices for device-generic tests (default: all; absent ones are skipped)")
    parser.add_argument("--hypothesis-profile", choices=tuple(profiles.PROFILES), default=None,
                        help="dev, ci or thorough (default: ci when CI=true, else dev)")
    parser.add_argument("--workers", type=workers, default="auto",
                        help="pytest-xdist workers: auto (one per core) or a number, 0 for none")
    parser.add_argument("--results-dir", type=Path, default=None,
                        help="where the result files go (default: ./results)")
    parser.add_argument("--convergence", choices=("full", "short"), default="full",
                        help="full: three seeds, the documented epochs (default); short: one seed")
    parser.add_argument("--compile", choices=("full", "quick"), default="full",
                        help="torch.compile tests and benchmarks: full, every case on every "
                        "backend (default); quick: aot_eager and one inductor case")
    parser.add_argument("-k", dest="select", metavar="EXPRESSION",
                        help="run only the conformance tests and benchmarks pytest -k selects")
    parser.add_argument("--break", dest="break_", metavar="NAME|all|list",
                        help="instead of the parts, the self-check: the tests each named breakage "
                        "(or all) names, on a torch broken on purpose; `list` lists them")
    parser.add_argument("--junitxml", type=Path, metavar="PATH",
                        help="JUnit XML for CI, one file per part: PATH with the part's name "
                        "inserted (junit.xml -> junit-conformance.xml, ...)")
    parser.add_argument("--no-report", action="store_true",
                        help="skip the HTML report written at the end (results/report_<time>.html)")
    args = parser.parse_args(argv)
    args.parts_given, args.parts = args.parts is not None, args.parts or PARTS
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            parser.error("--device cuda was asked for, but CUDA is not available on this machine")

    try:  # checked for every part, as the plugin checks it in pytest
        options.bench_threads()
    except ValueError as error:
        parser.error(str(error))
    args.hypothesis_profile = args.hypothesis_profile or profiles.default_profile()
    if args.break_:
        from suite.plugin import breaking

        given = [flag for flag, value in (("--results-dir", args.results_dir),
                                          ("--parts", args.parts_given)) if value]
        if given:
            parser.error(f"--break runs the self-check alone, without result files: drop {given[0]}")
        try:
            breaking.choose(args.break_)
        except pytest.UsageError as error:
            parser.error(str(error))
        return args  # the self-check writes no result file
    args.counts_unavailable = counts_unavailable() if "counts" in args.parts else None
    if args.counts_unavailable and args.parts_given:
        parser.error(f"--parts counts: {args.counts_unavailable}")
    args.results_dir = (args.results_dir or results.results_dir()).resolve()
    try:
        args.results_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        parser.error(f"--results-dir {args.results_dir}: cannot be created ({error.strerror})")
    return args


def run_pytest(pytest_args: list) -> tuple[int, reporting.OutcomeRecorder, float]:
    recorder = reporting.OutcomeRecorder()
    started = time.perf_counter()
    located = [str(suite.ROOT / arg) if arg.startswith("suite/") else arg for arg in pytest_args]
    # This process imported the suite's own modules before pytest: an installed suite's plugin
    # would be reported as "already imported, cannot be rewritten"; it asserts nothing.
    config = ["--rootdir", str(suite.ROOT), "-c", str(PYTEST_INI),
              "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    exit_code = int(pytest.main([*config, *located], plugins=[recorder]))
    return exit_code, recorder, time.perf_counter() - started


def unfinished(name: str, exit_code: int, recorder: reporting.OutcomeRecorder) -> PartResult | None:
    """Why a part's pytest run left no result, or None when it completed."""
    if exit_code == pytest.ExitCode.NO_TESTS_COLLECTED:  # -k applies to two parts
        return PartResult(name, 0, lines=["not run: -k selects none of its tests; no result file"])
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or recorder.config is None:
        return PartResult(name, exit_code or 1, lines=[
            f"did not complete (pytest exit code {exit_code}); no result file written"])
    return None


def write(document: dict, args) -> Path:
    return results.write(document, args.results_dir)


def counts_line(summary: dict, duration: float) -> str:
    return (f"{summary['passed']} passed, {summary['failed']} failed, {summary['error']} errors, "
            f"{summary['skipped']} skipped, {summary['xfailed']} xfailed, "
            f"{summary['xpassed']} xpassed in {duration:.1f} s")


def run_conformance(args) -> PartResult:
    pytest_args = [
        CONFORMANCE_TESTS, "-p", "no:cacheprovider", "--device", args.device,
        "--hypothesis-profile", args.hypothesis_profile, "--compile", args.compile,
    ]
    if args.workers != "0":
        pytest_args += ["-n", args.workers]
    if args.select:
        pytest_args += ["-k", args.select]
    pytest_args += junit_args(args, "conformance")
    created = results.utc_now()
    exit_code, recorder, duration = run_pytest(pytest_args)
    stopped = unfinished("conformance", exit_code, recorder)
    if stopped:
        return stopped
    document = reporting.outcome_document(recorder, pytest_args, created, duration, exit_code)
    summary = document["summary"]
    lines = [counts_line(summary, duration)] + reporting.format_not_run(summary["not_run"])
    return PartResult("conformance", exit_code, write(document, args), lines)


def run_convergence(args) -> PartResult:
    from suite.testing import data
    from suite.convergence import job

    missing = environment.torchvision_missing()
    if missing:
        return PartResult("convergence", 0, lines=[f"not run: {missing} (the runs read MNIST "
                                                   "through torchvision's loader)"])
    try:
        document = job.run(args.convergence, available_devices(args.device))
    except data.DataError as error:
        return PartResult("convergence", 1, lines=[f"error: {error}; no result file written"])
    lines = [f"{args.convergence} variant in {document['run']['duration_s']:.0f} s"]
    if "cuda" in selected_devices(args.device) and "cuda" not in available_devices(args.device):
        lines.append(f"CUDA runs not run: {reporting.CUDA_MISSING}")
    for summary in document["summary"]:
        time_to_target = summary["time_to_target_s_median"]
        lines.append(
            f"{summary['model']} on {summary['device']}: final accuracy "
            f"{100 * summary['final_accuracy_mean']:.1f} % (min {100 * summary['final_accuracy_min']:.1f}, "
            f"max {100 * summary['final_accuracy_max']:.1f}, sd {100 * summary['final_accuracy_std']:.1f}) "
            f"over {summary['seeds']} seed(s); {summary['reached_target']}/{summary['seeds']} reached "
            f"{100 * summary['target_accuracy']:.0f} %"
            + (f", median time to it {time_to_target:.1f} s" if time_to_target is not None else ""))
        lines += [f"  {'ok' if c['passed'] else 'FAILED'} {c['claim']}: {c['detail']}"
                  for c in summary["checks"]]
    if args.junitxml:  # no pytest run: its claims as test cases
        junit.write_convergence(document, junit.part_path(args.junitxml, "convergence"))
    return PartResult("convergence", document["run"]["exit_code"], write(document, args), lines)


def selected_devices(device: str) -> list[str]:
    from suite.plugin import devices

    return list(devices.selected_devices(device))


def available_devices(device: str) -> list[str]:
    from suite.plugin import devices

    return [name for name in selected_devices(device) if name != "cuda" or devices.cuda_available()]


def run_benchmarks(args) -> PartResult:
    created = results.utc_now()
    with tempfile.TemporaryDirectory(prefix="suite-benchmark-") as scratch:
        raw = Path(scratch) / "benchmark.json"
        pytest_args = [
            BENCHMARK_TESTS, "-p", "no:cacheprovider", "-n", "0", "--device", args.device,
            "--compile", args.compile, "--benchmark-enable", f"--benchmark-json={raw}", *BENCHMARK_OPTIONS,
        ]
        if args.select:
            pytest_args += ["-k", args.select]
        pytest_args += junit_args(args, "benchmarks")
        # Started from inside an xdist worker (e.g. by a self-test), pytest-benchmark would read
        # the inherited PYTEST_XDIST_WORKER as "under xdist" and time nothing.
        for name in [name for name in os.environ if name.startswith("PYTEST_XDIST_")]:
            del os.environ[name]
        exit_code, recorder, duration = run_pytest(pytest_args)
        stopped = unfinished("benchmarks", exit_code, recorder)
        if stopped:
            return stopped
        if not raw.exists():  # every selected benchmark was skipped
            summary = reporting.summarize(recorder)
            return PartResult("benchmarks", exit_code, lines=[
                counts_line(summary, duration) + "; no benchmark ran, no result file",
                *reporting.format_not_run(summary["not_run"])])
        measured = json.loads(raw.read_text())
    document = {
        "schema_version": results.SCHEMA_VERSION,
        "kind": "benchmark",
        "created_utc": created.isoformat(),
        "environment": measured["machine_info"]["environment"],
        "run": {
            "command": [arg if not arg.startswith("--benchmark-json=")
                        else "--benchmark-json=<temporary file>" for arg in pytest_args],
            "devices": available_devices(args.device),
            "duration_s": round(duration, 3),
            "exit_code": exit_code,
        },
        **measured,
    }
    summary = reporting.summarize(recorder)
    lines = [counts_line(summary, duration)] + reporting.format_not_run(summary["not_run"])
    for bench in document["benchmarks"]:
        info = bench["extra_info"]
        throughput = "n/a" if info.get("throughput") is None else f"{info['throughput']:,.1f}"
        lines.append(f"  {bench['name']:<48} {throughput:>14} {info.get('unit', '')}")
    return PartResult("benchmarks", exit_code, write(document, args), lines)


def counts_unavailable() -> str | None:
    from suite.benchmarks import counts

    try:
        counts.check_available()
    except counts.CountsUnavailable as error:
        return str(error)
    return None


def run_counts(args) -> PartResult:
    """The instruction-count tier in one valgrind process (suite/benchmarks/counts.py)."""
    from suite.benchmarks import counts as counting
    from suite.tools import counts

    if args.counts_unavailable:
        return PartResult("counts", 0, lines=[f"not run: {args.counts_unavailable}"])
    try:
        document = counts.document(list(counting.WORKLOADS), counting.DEFAULT_REPEATS,
                                   ["python", "-m", "suite", "--parts", "counts"])
    except counting.CountsUnavailable as error:
        return PartResult("counts", 1, lines=[f"error: {error}; no result file written"])
    return PartResult("counts", 0, write(document, args), counts.summary_lines(document))


RUNNERS = {"conformance": run_conformance, "convergence": run_convergence,
           "benchmarks": run_benchmarks, "counts": run_counts}


def run_self_check(args) -> int:
    """pytest --break over the tests the breakages name; pytest prints the detection table."""
    pytest_args = [CONFORMANCE_TESTS, CONVERGENCE_TESTS, "-p", "no:cacheprovider",
                   "--device", args.device, "--break", args.break_]
    if args.workers != "0" and args.break_ != "list":
        pytest_args += ["-n", args.workers]
    if args.select:
        pytest_args += ["-k", args.select]
    pytest_args += junit_args(args, "break")
    exit_code, _, _ = run_pytest(pytest_args)
    return exit_code


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.break_:
        return run_self_check(args)
    outcomes = []
    for number, part in enumerate(args.parts, 1):
        print(f"\n== [{number}/{len(args.parts)}] {part} ==", flush=True)
        try:
            outcomes.append(RUNNERS[part](args))
        except (OSError, results.ResultError) as error:
            outcomes.append(PartResult(part, 1, lines=[f"error: could not write the result file: {error}"]))
    print_summary(outcomes)
    report_code = 0 if args.no_report else write_report(outcomes, args)
    return max([report_code] + [outcome.exit_code for outcome in outcomes])


def junit_args(args, part: str) -> list:
    return [f"--junitxml={junit.part_path(args.junitxml.resolve(), part)}"] if args.junitxml else []


def write_report(outcomes: list, args) -> int:
    """The HTML report of this job's result files (suite/tools/report.py); 1 if it failed."""
    from suite.tools import report

    files = [outcome.path for outcome in outcomes if outcome.path]
    if not files:
        print("report: not written (no part wrote a result file)")
        return 0
    try:
        print(f"report: {report.build(files, directory=args.results_dir)}")
    except (report.ReportError, OSError) as error:
        print(f"error: the report could not be written: {error}")
        return 1
    return 0


def print_summary(outcomes: list) -> None:
    print("\n== summary ==")
    for outcome in outcomes:
        print(f"{outcome.name}: {outcome.lines[0] if outcome.lines else ''}")
        for line in outcome.lines[1:]:
            print(f"  {line}")
        if outcome.path:
            print(f"  result file: {outcome.path}")
