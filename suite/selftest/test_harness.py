"""The harness seen from outside: a fresh pytest with bad options, and one on a sample file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from suite import ROOT

SAMPLE = Path(__file__).parent / "samples" / "harness_sample.py"
USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR

pytestmark = pytest.mark.subprocess


def run_pytest(*args, env=None):
    environ = {**os.environ, **(env or {})}
    environ.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT, capture_output=True, text=True, env=environ, timeout=300,
    )


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--device", "tpu"], {}, "invalid choice: 'tpu'"),
        (["--hypothesis-profile", "nightly"], {}, "unknown hypothesis profile 'nightly'"),
        (["--no-such-option"], {}, "unrecognized arguments: --no-such-option"),
        ([], {"SUITE_BENCH_THREADS": "two"}, "SUITE_BENCH_THREADS must be a positive integer"),
    ],
    ids=["unknown-device", "unknown-profile", "unknown-option", "bad-benchmark-threads"],
)
def test_bad_option_is_a_usage_error(args, env, message):
    result = run_pytest(*args, str(SAMPLE), env=env)
    assert result.returncode == USAGE_ERROR, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def sample_run():
    """The sample file with CUDA variants left out, and one test deselected by -k (xdist's part
    is tested in test_collection)."""
    return run_pytest("-p", "no:xdist", "--device", "cpu", "-k", "not left_out_by_k",
                      str(SAMPLE), env={"CI": ""})


def test_header_names_versions_devices_and_seed(sample_run):
    out = sample_run.stdout
    for expected in ("python ", "torch ", "torchvision ", "numpy ", "CUDA build", "cuDNN",
                     "torch threads", "devices under test: cpu", "hypothesis profile dev"):
        assert expected in out, expected
    assert "--hypothesis-seed=" in out


def test_device_cpu_reports_what_it_left_out(sample_run):
    """Three CUDA variants are left out by --device; the fourth, deselected by -k, is not
    counted among them."""
    assert "3 CUDA variants not run: deselected: --device excludes cuda" in sample_run.stdout


def test_swallowed_network_attempt_fails_the_test(sample_run):
    out = sample_run.stdout
    assert "FAILED suite/selftest/samples/harness_sample.py::test_connects_and_swallows_the_error" in out
    assert "NetworkAccessAttempted" in out and "192.0.2.1" in out


def test_network_attempt_in_a_fixture_fails_the_test(sample_run):
    out = sample_run.stdout
    assert "ERROR suite/selftest/samples/harness_sample.py::test_fixture_that_connects" in out
    assert "192.0.2.2" in out


def test_failing_property_prints_how_to_reproduce(sample_run):
    out = sample_run.stdout
    assert "how to reproduce" in out
    assert "harness_sample.py::test_property_that_fails' -p no:xdist --hypothesis-profile=dev" in out
    assert "@reproduce_failure" in out


@pytest.mark.subprocess
def test_another_projects_session_is_left_alone(tmp_path):
    """Installed, the plugin is loaded by every pytest of the environment: a session that runs
    none of the suite's tests gets no header, no profile, no TORCH_HOME and no summary of it."""
    (tmp_path / "test_other.py").write_text(
        "import os\n\n\ndef test_torch_home_is_the_users():\n"
        "    assert 'suite-torch-home' not in os.environ.get('TORCH_HOME', '')\n")
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith("PYTEST_XDIST") and key != "TORCH_HOME"}  # this run's own
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_other.py"],
                            cwd=tmp_path, capture_output=True, text=True, env=environ, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for suite_output in ("devices under test", "hypothesis profile dev", "known upstream bugs", "not run"):
        assert suite_output not in result.stdout, suite_output
