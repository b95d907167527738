"""The self-check's machinery (suite/plugin/breaking.py): every conformance test is named by a
breakage, and --break gives each verdict as it should, seen from a fresh pytest."""

import os
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest

from suite import breakages
from suite.plugin import breaking


def test_gaps_are_unnamed_conformance_tests_and_names_matching_nothing(monkeypatch):
    """What makes `--break all` fail (the sample run below sees it end to end)."""
    registry = {"b": breakages.Breakage("b", lambda mp: None, [
        "suite/conformance/test_a.py::test_named", "suite/conformance/test_a.py::test_gone",
        "suite/conformance/test_renamed.py::test_x"])}
    monkeypatch.setattr(breakages, "registry", lambda: registry)
    monkeypatch.setattr(breakages, "not_breakable", lambda: {})
    found = breaking.gaps([
        "suite/conformance/test_a.py::test_named[cpu]", "suite/conformance/test_a.py::test_new[cpu]",
        "suite/benchmarks/test_bench.py::test_speed"], lambda file: file.endswith("test_a.py"))
    assert found == {"uncovered": ["suite/conformance/test_a.py::test_new"],
                     "stale": ["b: suite/conformance/test_a.py::test_gone",
                               "b: suite/conformance/test_renamed.py::test_x"]}


@pytest.mark.parametrize("name, test_id, expected", [
    ("suite/a.py::test_x", "suite/a.py::test_x", True),
    ("suite/a.py::test_x", "suite/a.py::test_x[cpu-1]", True),
    ("suite/a.py::test_x", "suite/a.py::test_xy", False),
    ("suite/a.py::test_x[*-1]", "suite/a.py::test_x[cuda-1]", True),
    ("suite/a.py::test_x[*-1]", "suite/a.py::test_x[cpu-10]", False),
    ("suite/a.py::test_x[cpu]", "suite/a.py::test_x[cuda]", False),
])
def test_a_name_matches_its_tests(name, test_id, expected):
    assert breakages.matches(name, test_id) is expected


SAMPLE = '''
    def test_adds():
        assert 1 + 1 == 2

    def test_raises_on_purpose():
        raise ValueError("not an assertion")

    @pytest.mark.parametrize("device", ["cpu", "cuda"])
    def test_device(device):
        assert math.sqrt(4) == 2

    def test_named_by_no_breakage():
        pass
'''

# Loaded before the plugin reads the registry: four breakages of the sample above.
REGISTRY = '''
    import math
    import suite.breakages as b

    SAMPLE = "suite/conformance/test_sample.py"

    def sqrt_is_identity(mp):
        mp.setattr(math, "sqrt", lambda x: x)

    SAMPLE = {breakage.id: breakage for breakage in [
        b.Breakage("harmless", lambda mp: None, [f"{SAMPLE}::test_adds"]),
        b.Breakage("sqrt-off", sqrt_is_identity, [f"{SAMPLE}::test_device[cuda]"]),
        b.Breakage("wrong-error", lambda mp: None, [f"{SAMPLE}::test_raises_on_purpose"]),
        b.Breakage("stale", lambda mp: None, [f"{SAMPLE}::test_renamed"]),
    ]}
    real = b.registry()
    b.registry = lambda: {**real, **SAMPLE}
'''


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """`--break all` under xdist on a sample conformance file, beside the real breakages (whose
    files this root does not have)."""
    root = tmp_path_factory.mktemp("break")
    (root / "suite" / "conformance").mkdir(parents=True)
    (root / "suite" / "conformance" / "test_sample.py").write_text(
        "import math\nimport pytest\n" + textwrap.dedent(SAMPLE))
    (root / "conftest.py").write_text(textwrap.dedent(REGISTRY))
    environ = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_XDIST")}
    # Not run from `root`: its suite/ directory would shadow the installed suite package.
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "-v",
         "--rootdir", str(root), "--break", "all", str(root / "suite" / "conformance")],
        cwd=tmp_path_factory.mktemp("elsewhere"), capture_output=True, text=True, env=environ,
        timeout=300)


def lines_with(output: str, *parts: str) -> list[str]:
    return [line for line in output.splitlines() if all(part in line for part in parts)]


@pytest.mark.subprocess
def test_a_breakage_that_breaks_nothing_is_reported(sample_run):
    assert sample_run.returncode == 1, sample_run.stdout + sample_run.stderr
    assert "[XPASS(strict)] broken on purpose: harmless" in sample_run.stdout
    assert "missed by suite/conformance/test_sample.py::test_adds[break:harmless]" in sample_run.stdout


@pytest.mark.subprocess
def test_a_caught_breakage_is_reported_caught(sample_run):
    assert lines_with(sample_run.stdout, "CAUGHT", "test_sample.py::test_device[cuda-break:sqrt-off]")
    assert "test_device[cpu" not in sample_run.stdout, "a test the breakage does not name ran"


@pytest.mark.subprocess
def test_a_failure_other_than_caught_as_is_a_failure(sample_run):
    assert lines_with(sample_run.stdout, "FAILED", "test_sample.py::test_raises_on_purpose[break:wrong-error]")


@pytest.mark.subprocess
def test_break_all_fails_on_a_test_named_by_no_breakage_and_a_name_matching_nothing(sample_run):
    """Seen by the xdist workers, reported by the controller."""
    out = sample_run.stdout
    assert "self-check gaps" in out
    assert "named by no breakage: suite/conformance/test_sample.py::test_named_by_no_breakage" in out
    assert "matches no collected test: stale: suite/conformance/test_sample.py::test_renamed" in out


def test_break_name_warns_of_its_names_that_match_nothing(monkeypatch):
    """`--break NAME` (not all) warns, naming the breakage and the name."""
    chosen = breakages.Breakage("b", lambda mp: None, [
        "suite/conformance/test_a.py::test_named", "suite/conformance/test_a.py::test_gone"])
    monkeypatch.setattr(breakages, "registry", lambda: {"b": chosen})
    monkeypatch.setattr(breakages, "not_breakable", lambda: {})
    monkeypatch.setattr(breaking, "test_id", lambda item: item)
    warned = []
    config = SimpleNamespace(stash={breaking.CHOSEN: (chosen,)},
                             issue_config_time_warning=lambda warning, stacklevel: warned.append(str(warning)))
    breaking.warn_stale(config, ["suite/conformance/test_a.py::test_named[cpu]"])
    assert warned == ["--break: b: suite/conformance/test_a.py::test_gone matches no collected test"]


def test_gaps_fail_a_run_that_would_pass():
    found = {"uncovered": ["suite/conformance/test_a.py::test_new"], "stale": []}
    for status in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session = SimpleNamespace(config=SimpleNamespace(stash={breaking.GAPS: found}),
                                  exitstatus=status)
        breaking.Breaking.pytest_sessionfinish(None, session)
        assert session.exitstatus == pytest.ExitCode.TESTS_FAILED


@pytest.mark.subprocess
def test_detection_table_counts_each_breakage(sample_run):
    assert "3 breakages: 1 caught, 2 missed, 0 not run here" in sample_run.stdout
