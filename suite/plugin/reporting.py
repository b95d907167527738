"""What the terminal summary and the result files say about a test run: per-test outcomes,
and the tests that did not run.

Kept free of torch so the plugin can import it before the options are checked.
"""

from collections import Counter

import pytest

import suite

CUDA_MISSING = "CUDA not available"

# Shared between the plugin (which fills them) and the main job (which reads them).
DEVICES = pytest.StashKey[tuple]()
EXCLUDED_DEVICES = pytest.StashKey[Counter]()


def skip_reason(report) -> str:
    """The reason pytest recorded for a skipped test, without pytest's 'Skipped: ' prefix."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def not_run(skipped_reports, excluded_by_option: Counter) -> list[dict]:
    """Tests that did not run, grouped by reason, largest group first.

    `excluded_by_option` counts device variants that --device left out of collection.
    """
    groups = Counter()
    for report in skipped_reports:
        reason = skip_reason(report)
        what = "CUDA variants" if reason == CUDA_MISSING else "tests"
        groups[(what, reason)] += 1
    for device, count in excluded_by_option.items():
        groups[(f"{device.upper()} variants", f"deselected: --device excludes {device}")] += count
    return [
        {"count": count, "what": what, "reason": reason}
        for (what, reason), count in sorted(groups.items(), key=lambda item: -item[1])
    ]


def format_not_run(groups: list[dict]) -> list[str]:
    if not groups:
        return ["everything collected ran"]
    return [f"{g['count']} {g['what']} not run: {g['reason']}" for g in groups]


def device_of(nodeid: str) -> str | None:
    params = nodeid.partition("[")[2].rstrip("]").split("-")
    return next((p for p in params if p in ("cpu", "cuda")), None)


def reproduce_command(nodeid: str, profile: str, seed) -> str:
    """The command that reruns one test with the same hypothesis data (seed None: the profile
    is derandomized, its data fixed by the test's name)."""
    return (f"pytest '{nodeid}' -p no:xdist --hypothesis-profile={profile}"
            + (f" --hypothesis-seed={seed}" if seed else ""))


def failure_line(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text.strip().splitlines()[0] if text.strip() else "failed"


RANK = {"passed": 0, "skipped": 1, "xfailed": 1, "xpassed": 1, "failed": 2, "error": 3}


class OutcomeRecorder:
    """A pytest plugin that keeps every test's outcome (xdist sends reports to the controller)."""

    def __init__(self):
        self.tests = {}
        self.skipped_reports = []
        self.config = None
        self.rootpath = None

    def pytest_sessionstart(self, session):
        self.rootpath = session.config.rootpath

    def pytest_runtest_logreport(self, report):
        # recorded as suite/... wherever the suite is installed and whatever the rootdir
        identifier = suite.canonical_id(self.rootpath or ".", report.nodeid)
        entry = self.tests.setdefault(
            identifier,
            {"id": identifier, "outcome": "passed", "duration_s": 0.0, "reason": None,
             "device": device_of(identifier)},
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
            return "skipped", skip_reason(report)
        if report.failed:
            return ("failed" if report.when == "call" else "error"), failure_line(report)
        return None, None

    def pytest_sessionfinish(self, session):
        self.config = session.config


def summarize(recorder: OutcomeRecorder) -> dict:
    counts = {outcome: 0 for outcome in RANK}
    for entry in recorder.tests.values():
        counts[entry["outcome"]] += 1
    excluded = recorder.config.stash.get(EXCLUDED_DEVICES, {})
    counts["not_run"] = not_run(recorder.skipped_reports, excluded)
    return counts


def outcome_document(recorder: OutcomeRecorder, command: list, created, duration: float,
                     exit_code: int) -> dict:
    """A finished pytest run as a result file of kind "conformance" (suite/tools/schema.json)."""
    from suite import environment
    from suite.plugin import bugs
    from suite.testing import versions
    from suite.tools import results

    option = recorder.config.option
    return {
        "schema_version": results.SCHEMA_VERSION,
        "kind": "conformance",
        "created_utc": created.isoformat(),
        "environment": environment.collect(),
        "run": {
            "command": command,
            "devices": list(recorder.config.stash[DEVICES]),
            "hypothesis_profile": option.hypothesis_profile,
            "hypothesis_seed": option.hypothesis_seed,
            "version_gates": versions.recorded(),
            "known_bugs": bugs.recorded(recorder.tests.values()),
            "duration_s": round(duration, 3),
            "exit_code": exit_code,
        },
        "summary": summarize(recorder),
        "tests": sorted(recorder.tests.values(), key=lambda entry: entry["id"]),
    }


class ResultFileWriter(OutcomeRecorder):
    """pytest --results-dir DIR: the run's outcomes as a result file (the cross-version report
    reads one per release)."""

    def __init__(self, directory):
        super().__init__()
        self.directory = directory
        self.created = self.started = self.path = self.problem = None

    def pytest_sessionstart(self, session):
        import time

        from suite.tools import results

        super().pytest_sessionstart(session)
        self.created, self.started = results.utc_now(), time.perf_counter()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        import time

        from suite.tools import results

        self.config = session.config
        if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            self.problem = f"no result file: the run did not complete (exit status {int(exitstatus)})"
            return
        command = list(session.config.invocation_params.args)
        document = outcome_document(self, command, self.created,
                                    time.perf_counter() - self.started, int(exitstatus))
        try:
            self.path = results.write(document, self.directory)
        except (OSError, results.ResultError) as error:
            # the file was asked for: a run that could not leave it must not look green
            self.problem = f"no result file: {error}"
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    def pytest_terminal_summary(self, terminalreporter):
        if self.path:
            terminalreporter.write_line(f"result file: {self.path}")
        elif self.problem:
            terminalreporter.write_line(self.problem, red=True)
