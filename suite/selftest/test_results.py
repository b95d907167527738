"""Result files: the schema, the atomic writer, the reader's errors, and the main job."""

import json
import subprocess
import sys
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from suite import environment
from suite.tools import main, results
from suite.plugin import reporting
from suite import ROOT


def document(**changes):
    doc = {
        "schema_version": results.SCHEMA_VERSION,
        "kind": "conformance",
        "created_utc": "2026-11-25T13:40:00+00:00",
        "environment": environment.collect(),
        "run": {"command": ["suite/conformance"], "devices": ["cpu"], "hypothesis_profile": "dev",
                "hypothesis_seed": "1", "duration_s": 1.0, "exit_code": 0},
        "summary": {"passed": 1, "failed": 0, "skipped": 0, "xfailed": 0, "xpassed": 0, "error": 0,
                    "not_run": []},
        "tests": [{"id": "suite/conformance/test_x.py::test_y[cpu]", "outcome": "passed",
                   "duration_s": 0.1, "reason": None, "device": "cpu"}],
    }
    doc.update(changes)
    return doc


def test_written_file_follows_the_schema_and_reads_back(tmp_path):
    path = results.write(document(), tmp_path)
    assert path.name.startswith("conformance_") and path.name.endswith("_20261125T134000Z.json")
    assert results.read(path) == json.loads(json.dumps(document()))
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "a temporary file was left behind"


def test_a_second_file_with_the_same_name_does_not_replace_the_first(tmp_path):
    first = results.write(document(), tmp_path)
    second = results.write(document(summary={**document()["summary"], "passed": 2}), tmp_path)
    assert second == first.with_name(first.stem + "-2.json")
    assert results.read(first)["summary"]["passed"] == 1
    assert results.read(second)["summary"]["passed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])


def test_no_file_is_replaced_on_a_file_system_without_hard_links(tmp_path, monkeypatch):
    first = results.write(document(), tmp_path)

    def no_links(source, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(results.os, "link", no_links)
    second = results.write(document(), tmp_path)
    assert second == first.with_name(first.stem + "-2.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])


def test_off_schema_document_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(results.ResultError, match="summary"):
        results.write(document(summary={"passed": 1}), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_field_in_a_suite_record_is_refused(tmp_path):
    """The suite's own records are closed (a misspelled field is an error, not a new field);
    pytest-benchmark's parts of a benchmark file stay open to its future versions."""
    misspelled = document()
    misspelled["environment"]["torch_verison"] = "2.14.1"
    with pytest.raises(results.ResultError, match="torch_verison"):
        results.write(misspelled, tmp_path)
    extra = document()
    extra["tests"][0]["duration"] = 0.1
    with pytest.raises(results.ResultError, match="duration"):
        results.write(extra, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content, message",
    [(None, "no such file"), ("{not json", "not valid JSON"), ('{"kind": "conformance"}', "schema"),
     ('{"duration_s": NaN}', "NaN is not a JSON number"),
     ('{"duration_s": 1e999}', "1e999 is too large for a float")],
    ids=["missing", "malformed", "wrong-schema", "non-finite", "overflowing"],
)
def test_reading_a_bad_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "result.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(results.ResultError, match=message):
        results.read(path)


def test_committed_result_files_follow_the_schema():
    committed = ROOT / "results"
    if not committed.is_dir():
        pytest.skip("no committed result files: the suite is installed, not a checkout")
    for path in committed.rglob("*.json"):
        results.read(path)


def report(nodeid, when, outcome, **extra):
    longrepr = extra.pop("longrepr", None)
    return SimpleNamespace(nodeid=nodeid, when=when, outcome=outcome, duration=0.5,
                           passed=outcome == "passed", failed=outcome == "failed",
                           skipped=outcome == "skipped", longrepr=longrepr, **extra)


def test_a_result_file_that_cannot_be_written_fails_the_run(tmp_path, monkeypatch):
    def disk_full(document, directory):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reporting, "outcome_document", lambda *args: {})
    monkeypatch.setattr(results, "write", disk_full)
    writer = reporting.ResultFileWriter(tmp_path)
    writer.created, writer.started = results.utc_now(), 0.0
    config = SimpleNamespace(invocation_params=SimpleNamespace(args=()))
    session = SimpleNamespace(config=config, exitstatus=pytest.ExitCode.OK)
    writer.pytest_sessionfinish(session, session.exitstatus)
    assert session.exitstatus == pytest.ExitCode.INTERNAL_ERROR
    assert writer.path is None and "No space left on device" in writer.problem


def test_recorder_keeps_the_worst_phase_and_the_reason():
    recorder = reporting.OutcomeRecorder()
    for r in [
        report("t.py::a[cpu]", "setup", "passed"), report("t.py::a[cpu]", "call", "passed"),
        report("t.py::b[cuda]", "setup", "skipped", longrepr=("t.py", 1, "Skipped: CUDA not available")),
        report("t.py::c", "call", "failed", longrepr="AssertionError: 1 != 2\nmore"),
        report("t.py::d", "call", "passed"), report("t.py::d", "teardown", "failed", longrepr="boom"),
    ]:
        recorder.pytest_runtest_logreport(r)
    tests = recorder.tests
    assert tests["t.py::a[cpu]"]["outcome"] == "passed" and tests["t.py::a[cpu]"]["duration_s"] == 1.0
    assert tests["t.py::b[cuda]"] | {"duration_s": 0} == {
        "id": "t.py::b[cuda]", "outcome": "skipped", "duration_s": 0, "reason": "CUDA not available",
        "device": "cuda"}
    assert tests["t.py::c"]["outcome"] == "failed" and tests["t.py::c"]["reason"] == "AssertionError: 1 != 2"
    assert tests["t.py::d"]["outcome"] == "error"


@pytest.mark.parametrize(
    "argv, message",
    [(["--no-such-option"], "unrecognized arguments"), (["--workers", "many"], "number of workers"),
     (["--hypothesis-profile", "nightly"], "invalid choice"),
     (["--parts", "conformance,speed"], "comma-separated list"),
     (["--convergence", "long"], "invalid choice")],
    ids=["unknown-option", "bad-workers", "unknown-profile", "unknown-part", "unknown-variant"],
)
def test_main_job_rejects_bad_options(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main.parse_args(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.subprocess
def test_main_job_writes_valid_result_files_a_summary_a_report_and_junit(tmp_path):
    """One fresh `python -m suite`, conformance and benchmarks on one test each: each part's
    result file (pytest-benchmark's fields, raw rounds and throughput beside the environment
    for the benchmark), the summary, by default the HTML report, and --junitxml's XML."""
    completed = subprocess.run(
        [sys.executable, "-m", "suite", "--parts", "conformance,benchmarks", "--workers", "0",
         "--device", "cpu", "-k", "tutorial_attributes or (test_matmul and 256)",
         "--results-dir", str(tmp_path), "--junitxml", str(tmp_path / "ci" / "junit.xml")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "conformance: 1 passed, 0 failed" in completed.stdout, completed.stdout
    assert "CUDA variants not run: deselected: --device excludes cuda" in completed.stdout
    [path] = tmp_path.glob("conformance_*.json")
    document = results.read(path)
    assert document["run"]["devices"] == ["cpu"]
    assert [t["outcome"] for t in document["tests"]] == ["passed"]
    [report] = tmp_path.glob("report_*.html")
    assert completed.stdout.rstrip().endswith(f"report: {report}")
    assert '<section id="conformance">' in report.read_text()
    [suite_element] = ElementTree.parse(tmp_path / "ci" / "junit-conformance.xml").getroot()
    assert suite_element.get("tests") == "1" and suite_element.get("failures") == "0"

    [path] = tmp_path.glob("benchmark_*.json")
    benchmark = results.read(path)
    [matmul] = benchmark["benchmarks"]
    assert matmul["extra_info"]["unit"] == "GFLOP/s" and matmul["extra_info"]["throughput"] > 0
    assert len(matmul["stats"]["data"]) == matmul["stats"]["rounds"] >= 20
    assert benchmark["machine_info"]["environment"] == benchmark["environment"]
    # pytest-benchmark's own reader still takes our file
    compared = subprocess.run(
        [sys.executable, "-c", "from pytest_benchmark.cli import main; main()", "compare", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert compared.returncode == 0, compared.stderr[-3000:]
    assert "test_matmul[cpu-float32-256]" in compared.stdout


@pytest.mark.skipif(bool(environment.torchvision_missing()),
                    reason=environment.torchvision_missing() or "")
@pytest.mark.parametrize("content", [None, b"not gzip", "gzip-of-wrong-table"],
                         ids=["missing", "not-gzip", "wrong-table"])
def test_bad_data_file_stops_convergence_with_its_name(tmp_path, monkeypatch, capsys, content):
    """A missing or corrupt MNIST file: a clear error naming it, exit 1, no result file."""
    import gzip

    from suite.testing import data

    bad = tmp_path / "mnist_5k.csv.gz"
    if content == "gzip-of-wrong-table":
        bad.write_bytes(gzip.compress(b"1,2,3\n4,5,6\n"))
    elif content is not None:
        bad.write_bytes(content)
    monkeypatch.setattr(data, "mnist_5k_path", lambda: bad)
    out_dir = tmp_path / "results"
    exit_code = main.main(["--parts", "convergence", "--convergence", "short",
                           "--results-dir", str(out_dir)])
    output = capsys.readouterr().out
    assert exit_code == 1
    assert f"error: {bad}" in output
    assert not out_dir.exists() or not any(out_dir.iterdir())


@pytest.mark.skipif(bool(environment.torchvision_missing()),
                    reason=environment.torchvision_missing() or "")
def test_main_job_writes_a_valid_convergence_file(tmp_path, monkeypatch, capsys):
    """The convergence part's document, on runs cut to a few steps (their claims may fail:
    the file records the verdicts either way)."""
    from suite.convergence import training

    tiny = {name: training.replace(spec, epochs=2, steps_per_epoch=3)
            for name, spec in training.SHORT.items()}
    monkeypatch.setitem(training.VARIANTS, "short", tiny)
    main.main(["--parts", "convergence", "--convergence", "short", "--device", "cpu",
               "--results-dir", str(tmp_path), "--no-report"])
    [path] = tmp_path.glob("convergence_*.json")
    written = results.read(path)
    assert {(r["model"], r["seed"], r["epochs"]) for r in written["runs"]} == {("mlp", 0, 2), ("cnn", 0, 2)}
    assert [len(s["checks"]) for s in written["summary"]] == [3, 1]
    output = capsys.readouterr().out
    assert f"result file: {path}" in output
    assert not list(tmp_path.glob("report_*")) and "report:" not in output  # --no-report
