"""The instruction-count tier (suite/benchmarks/counts.py) and its gate (suite/tools/countgate.py):
reading callgrind's dumps, the kernel/overhead split, the gate's threshold, spread, refusals and
per-function report, on recorded and generated counts; one tiny count end to end."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from suite.benchmarks import counts
from suite.tools import countgate, gate, results

SAMPLE = Path(__file__).parent / "samples" / "callgrind.out.sample"


def test_dump_gives_each_function_its_own_instructions():
    """A cost line right after calls= is the callee's inclusive cost, not the caller's: the
    functions' own instructions then add up to the dump's total."""
    trigger, total, own = counts.read_dump(SAMPLE)
    assert trigger == "train-step#3"
    assert total == 1500 == sum(own.values())
    assert own == {"_PyEval_EvalFrameDefault": 500, "at::native::linear": 250,
                   "mkl_blas_avx2_sgemm_kernel": 700, "dnnl::impl::cpu::jit_kernel": 50}


def test_a_file_without_totals_is_refused(tmp_path):
    bad = tmp_path / "callgrind.out.1"
    bad.write_text("fn=main\n0 10\n")
    with pytest.raises(ValueError, match="no totals"):
        counts.read_dump(bad)


def test_mkl_and_onednn_are_kernels_the_rest_is_overhead():
    _, total, own = counts.read_dump(SAMPLE)
    entry = counts.summarize("python-loop", [(total, own)] * 3)
    assert entry["instructions"] == [1500] * 3
    assert entry["kernel_instructions"] == [750] * 3
    assert entry["overhead_instructions"] == [750] * 3
    assert entry["overhead_spread"] == 0
    assert [f["function"] for f in entry["top_functions"]] == ["_PyEval_EvalFrameDefault",
                                                             "at::native::linear"]


def test_counts_are_per_call_and_spread_is_range_over_median():
    workload = counts.WORKLOADS["from_numpy"]
    dumps = [(total * workload.calls, {"f": total * workload.calls}) for total in (100, 101, 99)]
    entry = counts.summarize("from_numpy", dumps)
    assert entry["overhead_instructions"] == [100, 101, 99]
    assert entry["overhead_median"] == 100
    assert entry["overhead_spread"] == pytest.approx(0.02)


def counts_file(medians: dict, spread=0.001, **dependencies) -> dict:
    """A counts document with one entry per {name: median}, each with top functions."""
    entries = []
    for name, median in medians.items():
        entries.append({
            "name": name, "what": name, "calls_per_repeat": 1,
            "instructions": [median] * 5, "kernel_instructions": [0] * 5,
            "overhead_instructions": [median] * 5, "overhead_median": median,
            "overhead_spread": spread,
            "top_functions": [{"function": "at::native::clone", "instructions": median // 10},
                              {"function": "_PyEval_EvalFrameDefault", "instructions": median // 2}],
        })
    return {
        "schema_version": results.SCHEMA_VERSION, "kind": "counts",
        "created_utc": "2026-12-02T03:00:00+00:00",
        "environment": json.loads(json.dumps(SAMPLE_ENVIRONMENT)),
        "run": {"command": ["python", "-m", "suite.tools.counts"], "devices": ["cpu"],
                "duration_s": 1.0, "exit_code": 0},
        "dependencies": {"torch": "2.14.1 (abc)", "numpy": "2.2.0", "python": "CPython 3.11.7",
                         "valgrind": "valgrind-3.19.0", "cpu_model": "Example CPU",
                         **dependencies},
        "repeats": 5,
        "counts": entries,
    }


SAMPLE_ENVIRONMENT = {
    "hostname": "ci", "os": "Linux", "python": "3.11.7", "python_implementation": "cpython",
    "torch": "2.14.1", "torchvision": "0.29.1", "numpy": "2.2.0", "cuda_build": None,
    "cuda_available": False, "cudnn": None, "cpu_model": "Example CPU", "cpu_count": 2,
    "memory_bytes": 1, "torch_threads": 1, "blas": "mkl",
    "devices": [{"name": "cpu", "model": "Example CPU", "memory_bytes": 1}], "git_commit": None,
}


def test_sample_counts_file_follows_the_schema():
    results.validate(counts_file({"a": 1000}))


@pytest.mark.parametrize("candidate, verdict", [
    (1_009_000, countgate.OK),
    (1_011_000, countgate.REGRESSION),
    (989_000, countgate.FEWER),
])
def test_the_median_count_is_judged_at_the_threshold(candidate, verdict):
    [judged] = countgate.judge(counts_file({"a": 1_000_000}), counts_file({"a": candidate}), 0.01)
    assert judged.verdict == verdict


def test_repeats_spreading_by_the_threshold_are_unstable_not_judged():
    [judged] = countgate.judge(counts_file({"a": 1_000_000}, spread=0.01),
                               counts_file({"a": 2_000_000}), 0.01)
    assert judged.verdict == countgate.UNSTABLE


def test_a_changed_workload_names_the_functions_whose_instructions_changed():
    baseline = counts_file({"a": 1_000_000})
    candidate = copy.deepcopy(baseline)
    entry = candidate["counts"][0]
    entry["overhead_median"] = 1_100_000
    entry["top_functions"][0]["instructions"] += 90_000
    entry["top_functions"] += [{"function": "at::native::extra", "instructions": 200_000},
                               {"function": "at::native::small", "instructions": 10}]
    [judged] = countgate.judge(baseline, candidate, 0.01)
    assert judged.verdict == countgate.REGRESSION
    # "small" may have been just below the baseline's list: its change is unknown, not +10
    assert judged.deltas == (("at::native::extra", 200_000), ("at::native::clone", 90_000))


def write(document, directory: Path) -> str:
    return str(results.write(document, directory))


def test_gate_fails_a_regression_and_prints_where_it_went(tmp_path, capsys):
    baseline = write(counts_file({"a": 1_000_000, "b": 500}), tmp_path / "base")
    changed = counts_file({"a": 1_000_000, "b": 500})
    changed["counts"][0]["overhead_median"] = 1_050_000
    changed["counts"][0]["top_functions"][0]["instructions"] += 50_000
    candidate = write(changed, tmp_path / "cand")
    assert gate.main([baseline, candidate]) == 1
    out = capsys.readouterr().out
    assert "gate: FAILED: 1 regression(s): a" in out
    assert "+50,000  at::native::clone" in out
    assert gate.main([baseline, baseline]) == 0


def test_gate_refuses_counts_of_another_build_naming_the_field(tmp_path, capsys):
    baseline = write(counts_file({"a": 1000}), tmp_path / "base")
    other = write(counts_file({"a": 1000}, torch="2.9.1 (def)"), tmp_path / "cand")
    assert gate.main([baseline, other]) == 2
    err = capsys.readouterr().err
    assert "torch: 2.14.1 (abc) | 2.9.1 (def)" in err and err.startswith("error: ")
    assert gate.main([baseline, other, "--allow-env-mismatch"]) == 0


def test_gate_refuses_a_counts_file_against_another_kind(tmp_path, capsys):
    counted = write(counts_file({"a": 1000}), tmp_path)
    committed = sorted((Path(__file__).resolve().parents[2] / "results" / "versions").glob(
        "*/conformance_*.json"))
    if not committed:
        pytest.skip("no committed result files: the suite is installed, not a checkout")
    other = committed[-1]
    assert gate.main([counted, str(other)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "one file holds instruction counts and the other timings" in line


def run_counts_tool(*args, env=None):
    return subprocess.run([sys.executable, "-m", "suite.tools.counts", *args],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_missing_valgrind_is_one_line_and_no_file(tmp_path, monkeypatch, capsys):
    from suite.tools import counts as counts_tool

    monkeypatch.setenv("PATH", str(tmp_path))
    code = counts_tool.main(["--select", "python-loop", "--results-dir", str(tmp_path)])
    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: counts: valgrind and gcc not found on PATH"]
    assert not list(tmp_path.iterdir())


def test_a_selection_that_matches_nothing_is_one_line(tmp_path, capsys):
    from suite.tools import counts as counts_tool

    assert counts_tool.main(["--select", "no-such-workload", "--results-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: --select no-such-workload: matches no workload (see --list)"]


def valgrind_missing() -> str | None:
    try:
        counts.check_available()
    except counts.CountsUnavailable as error:
        return str(error)
    return None


@pytest.mark.subprocess
@pytest.mark.skipif(valgrind_missing() is not None, reason=f"counts: {valgrind_missing()}")
def test_one_tiny_count_end_to_end(tmp_path):
    """The machinery under a real valgrind, on a workload without torch (valgrind's import of
    torch alone takes a minute): the counts file is written, valid, and stable."""
    done = run_counts_tool("--select", "python-loop", "--repeats", "5",
                           "--results-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    [path] = tmp_path.glob("counts_*.json")
    document = results.read(path)
    [entry] = document["counts"]
    assert entry["name"] == "python-loop" and len(entry["instructions"]) == 5
    assert 100_000 < entry["overhead_median"] < 10_000_000
    assert entry["overhead_spread"] < countgate.DEFAULT_THRESHOLD
    assert document["dependencies"]["valgrind"].startswith("valgrind-")


def test_report_shows_counts_and_the_gate_on_two_files(tmp_path):
    from suite.tools import report

    baseline = write(counts_file({"a": 1_000_000}), tmp_path / "base")
    changed = counts_file({"a": 1_000_000})
    changed["counts"][0]["overhead_median"] = 1_020_000
    page = report.render(report.load([baseline, write(changed, tmp_path / "cand")]))
    assert "Instruction counts" in page and "REGRESSION" in page and "1,020,000" in page


def test_gate_with_every_workload_unstable_judged_nothing(tmp_path, capsys):
    unstable = write(counts_file({"a": 1000}, spread=0.05), tmp_path)
    assert gate.main([unstable, unstable]) == 2
    assert "nothing judged" in capsys.readouterr().err


def test_gate_names_the_file_it_cannot_read(tmp_path, capsys):
    counted = write(counts_file({"a": 1000}), tmp_path)
    assert gate.main([counted, str(tmp_path / "missing.json")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "missing.json: no such file" in line


def test_fewer_than_five_repeats_are_refused(capsys):
    from suite.tools import counts as counts_tool

    with pytest.raises(SystemExit):
        counts_tool.main(["--repeats", "3"])
    assert "at least 5 repeats" in capsys.readouterr().err
