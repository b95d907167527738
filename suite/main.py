"""The main job: run the conformance suite, write one result file, print a summary.

    python -m suite [--device cpu|cuda|all] [--hypothesis-profile dev|ci|thorough]
                    [--workers auto|N] [--results-dir DIR] [-k EXPRESSION]
"""

import argparse
import os
import sys
import time
from pathlib import Path

import pytest

from suite import environment, profiles, reporting, results

CONFORMANCE_TESTS = "suite/conformance"


def workers(value: str) -> str:
    if value == "auto" or (value.isdigit() and int(value) >= 0):
        return value
    raise argparse.ArgumentTypeError(f"expected 'auto' or a number of workers, got {value!r}")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m suite",
        description="Run the PyTorch conformance suite on the installed torch and record the result.",
    )
    parser.add_argument("--device", choices=("cpu", "cuda", "all"), default="all",
                        help="devices for device-generic tests (default: all; absent ones are skipped)")
    parser.add_argument("--hypothesis-profile", choices=tuple(profiles.PROFILES), default=None,
                        help="dev, ci or thorough (default: ci when CI=true, else dev)")
    parser.add_argument("--workers", type=workers, default="auto",
                        help="pytest-xdist workers: auto (one per core) or a number, 0 for none")
    parser.add_argument("--results-dir", type=Path, default=results.RESULTS_DIR,
                        help="where the result file goes (default: results/)")
    parser.add_argument("-k", dest="select", metavar="EXPRESSION",
                        help="run only the tests pytest -k EXPRESSION selects")
    args = parser.parse_args(argv)
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            parser.error("--device cuda was asked for, but CUDA is not available on this machine")
    args.hypothesis_profile = args.hypothesis_profile or profiles.default_profile()
    return args


def device_of(nodeid: str) -> str | None:
    params = nodeid.partition("[")[2].rstrip("]").split("-")
    return next((p for p in params if p in ("cpu", "cuda")), None)


def failure_line(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text.strip().splitlines()[0] if text.strip() else "failed"


RANK = {"passed": 0, "skipped": 1, "xfailed": 1, "xpassed": 1, "failed": 2, "error": 3}


class ConformanceRecorder:
    """A pytest plugin that keeps every test's outcome (xdist sends reports to the controller)."""

    def __init__(self):
        self.tests = {}
        self.skipped_reports = []
        self.config = None

    def pytest_runtest_logreport(self, report):
        entry = self.tests.setdefault(
            report.nodeid,
            {"id": report.nodeid, "outcome": "passed", "duration_s": 0.0, "reason": None,
             "device": device_of(report.nodeid)},
        )
        entry["duration_s"] += report.duration
        outcome, reason = self.classify(report)
        if outcome and RANK[outcome] >= RANK[entry["outcome"]]:
            entry["outcome"], entry["reason"] = outcome, reason

    def classify(self, report):
        if hasattr(report, "wasxfail"):
            return ("xfailed" if report.skipped else "xpassed"), report.wasxfail or None
        if report.skipped:
            self.skipped_reports.append(report)
            return "skipped", reporting.skip_reason(report)
        if report.failed:
            return ("failed" if report.when == "call" else "error"), failure_line(report)
        return None, None

    def pytest_sessionfinish(self, session):
        self.config = session.config


def summarize(recorder: ConformanceRecorder) -> dict:
    counts = {outcome: 0 for outcome in RANK}
    for entry in recorder.tests.values():
        counts[entry["outcome"]] += 1
    excluded = recorder.config.stash.get(reporting.EXCLUDED_DEVICES, {})
    counts["not_run"] = reporting.not_run(recorder.skipped_reports, excluded)
    return counts


def run_conformance(args) -> tuple[int, ConformanceRecorder, list[str], float]:
    pytest_args = [
        CONFORMANCE_TESTS, "-p", "no:cacheprovider", "--device", args.device,
        "--hypothesis-profile", args.hypothesis_profile,
    ]
    if args.workers != "0":
        pytest_args += ["-n", args.workers]
    if args.select:
        pytest_args += ["-k", args.select]
    recorder = ConformanceRecorder()
    started = time.perf_counter()
    os.chdir(environment.REPO_ROOT)
    exit_code = pytest.main(pytest_args, plugins=[recorder])
    return int(exit_code), recorder, pytest_args, time.perf_counter() - started


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    created = results.utc_now()
    print(f"== conformance: pytest {CONFORMANCE_TESTS} (profile {args.hypothesis_profile}) ==", flush=True)
    exit_code, recorder, pytest_args, duration = run_conformance(args)
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or recorder.config is None:
        print(f"\nconformance run did not complete (pytest exit code {exit_code}); "
              "no result file written", file=sys.stderr)
        return exit_code or 1
    summary = summarize(recorder)
    option = recorder.config.option
    document = {
        "schema_version": results.SCHEMA_VERSION,
        "kind": "conformance",
        "created_utc": created.isoformat(),
        "environment": environment.collect(),
        "run": {
            "command": pytest_args,
            "devices": list(recorder.config.stash[reporting.DEVICES]),
            "hypothesis_profile": option.hypothesis_profile,
            "hypothesis_seed": option.hypothesis_seed,
            "duration_s": round(duration, 3),
            "exit_code": exit_code,
        },
        "summary": summary,
        "tests": sorted(recorder.tests.values(), key=lambda entry: entry["id"]),
    }
    try:
        path = results.write(document, args.results_dir)
    except (OSError, results.ResultError) as error:
        print(f"error: could not write the result file: {error}", file=sys.stderr)
        return 1
    print_summary(summary, duration, path)
    return exit_code


def print_summary(summary: dict, duration: float, path: Path) -> None:
    print("\n== summary ==")
    print(
        f"conformance: {summary['passed']} passed, {summary['failed']} failed, "
        f"{summary['error']} errors, {summary['skipped']} skipped, {summary['xfailed']} xfailed, "
        f"{summary['xpassed']} xpassed in {duration:.1f} s"
    )
    for line in reporting.format_not_run(summary["not_run"]):
        print(f"  {line}")
    print(f"result file: {path}")
