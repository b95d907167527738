"""The cross-version report: newest file per release, differing behaviours first, gates."""

import copy

import pytest

from suite import environment
from suite.tools import matrix, results


def conformance(torch_version, outcomes, created="2026-11-25T13:40:00+00:00"):
    env = environment.collect() | {"torch": torch_version}
    tests = [{"id": f"suite/conformance/test_x.py::{name}[cpu]", "outcome": outcome,
              "duration_s": 0.1, "reason": "torchvision not installed" if outcome == "skipped" else None,
              "device": "cpu"} for name, outcome in outcomes.items()]
    counts = {o: sum(t["outcome"] == o for t in tests)
              for o in ("passed", "failed", "skipped", "xfailed", "xpassed", "error")}
    return {"schema_version": 1, "kind": "conformance", "created_utc": created, "environment": env,
            "run": {"command": [], "devices": ["cpu"], "hypothesis_profile": "ci",
                    "hypothesis_seed": None, "duration_s": 1.0, "exit_code": 0},
            "summary": counts | {"not_run": []}, "tests": tests}


def test_differing_behaviours_are_listed_and_highlighted(tmp_path):
    results.write(conformance("2.14.1", {"test_same": "passed", "test_vision": "passed"}), tmp_path / "a")
    results.write(conformance("2.5.1", {"test_same": "passed", "test_vision": "skipped"}), tmp_path / "b")
    output = tmp_path / "matrix.md"
    assert matrix.main([str(tmp_path / "a"), str(tmp_path / "b"), "--output", str(output)]) == 0
    text = output.read_text()
    differs = text.split("## What differs")[1].split("## Every behaviour")[0]
    assert "test_vision" in differs and "test_same" not in differs
    assert "**skipped 1: torchvision not installed**" in differs
    gates = text.split("## Behaviour changes")[1].split("## What differs")[0]
    assert "| `LOAD_WEIGHTS_ONLY_DEFAULT`" in gates
    assert "| new (computed) | **old** (computed) |" in gates  # files without recorded sides


def test_gate_sides_come_from_what_each_run_recorded(tmp_path):
    """A run records its sides; the report shows those, even where today's gate says otherwise
    (here a run recorded under an older gate date)."""
    recorded = [{"name": "BATCHNORM_REPR_BIAS", "since": "2.13", "what": "BatchNorm prints bias",
                 "applies": False}]
    document = conformance("2.12.0", {"test_a": "passed"})
    document["run"]["version_gates"] = recorded
    results.write(document, tmp_path)
    output = tmp_path / "matrix.md"
    assert matrix.main([str(tmp_path), "--output", str(output)]) == 0
    gates = output.read_text().split("## Behaviour changes")[1].split("## What differs")[0]
    assert "| `BATCHNORM_REPR_BIAS`: BatchNorm prints bias | 2.13 | **old** |" in gates
    assert "LOAD_WEIGHTS_ONLY_DEFAULT" not in gates


def test_unwritable_output_names_the_output(tmp_path, capsys):
    results.write(conformance("2.14.1", {"test_a": "passed"}), tmp_path / "in")
    (tmp_path / "file").write_text("")
    output = tmp_path / "file" / "matrix.md"
    assert matrix.main([str(tmp_path / "in"), "--output", str(output)]) == 2
    assert f"error: {output}: cannot be written" in capsys.readouterr().err


def test_newest_file_of_a_release_wins(tmp_path):
    old = conformance("2.9.1", {"test_a": "failed"}, created="2026-11-24T10:00:00+00:00")
    new = conformance("2.9.1", {"test_a": "passed"}, created="2026-11-25T10:00:00+00:00")
    for document in (old, new):
        results.write(copy.deepcopy(document), tmp_path)
    [release] = matrix.load_releases([tmp_path])
    assert release["tests"][0]["outcome"] == "passed"


@pytest.mark.parametrize("make, message", [
    (lambda d: None, "no such file or directory"),
    (lambda d: d.mkdir(), "no conformance result files found"),
    (lambda d: (d.mkdir(), (d / "x.json").write_text("{")), "not valid JSON"),
], ids=["missing", "empty", "malformed"])
def test_bad_input_is_a_clear_error_and_writes_nothing(tmp_path, capsys, make, message):
    source, output = tmp_path / "in", tmp_path / "matrix.md"
    make(source)
    assert matrix.main([str(source), "--output", str(output)]) == 2
    assert message in capsys.readouterr().err and not output.exists()


def test_known_bugs_are_tabled_per_release(tmp_path):
    bug = {"id": "numpy-bool-scalars", "issue": "https://github.com/pytorch/pytorch/issues/157973",
           "title": "numpy.bool refused", "package": "torch", "affected": "<2.9",
           "tests": ["suite/conformance/test_x.py::test_y[bool]"]}
    old, new = conformance("2.5.1", {"test_y": "xfailed"}), conformance("2.14.1", {"test_y": "passed"})
    old["run"]["known_bugs"], new["run"]["known_bugs"] = [bug], []
    for name, doc in (("a", old), ("b", new)):
        results.write(doc, tmp_path / name)
    output = tmp_path / "matrix.md"
    assert matrix.main([str(tmp_path / "a"), str(tmp_path / "b"), "--output", str(output)]) == 0
    row = next(line for line in output.read_text().splitlines() if "numpy-bool-scalars" in line)
    assert "**affected**: 1 test(s) xfailed" in row and "not affected" in row
