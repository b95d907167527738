"""Self-tests for the harness helpers: tolerances, version gates, profiles, guards, reporting."""

import os
import socket
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from hypothesis import settings
from packaging.version import Version

from suite import environment
from suite.plugin import guards, profiles, reporting
from suite.testing import tolerances, versions

# The defaults torch.testing.assert_close documents, written out independently of our table.
DOCUMENTED_DEFAULTS = {
    "float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7), "complex32": (1e-3, 1e-5), "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}


@pytest.mark.parametrize("name", DOCUMENTED_DEFAULTS)
def test_tolerance_table_is_assert_close_default(name):
    assert tolerances.tolerance(getattr(torch, name)) == DOCUMENTED_DEFAULTS[name]


def test_integer_and_bool_results_are_exact():
    for dtype in (torch.bool, torch.uint8, torch.int64):
        assert tolerances.tolerance(dtype) == (0.0, 0.0)


def test_tolerance_table_matches_torch_internal_table():
    """A cross-check against torch's own (private) table, where this torch has it."""
    comparison = pytest.importorskip("torch.testing._comparison", reason="private API absent")
    if not hasattr(comparison, "default_tolerances"):
        pytest.skip(f"torch {torch.__version__} has no torch.testing._comparison.default_tolerances")
    for dtype, expected in tolerances.TOLERANCES.items():
        assert comparison.default_tolerances(dtype) == expected, dtype


def test_assert_close_to_accepts_within_and_rejects_beyond_tolerance():
    rtol, atol = tolerances.tolerance(torch.float32)
    tolerances.assert_close_to(torch.tensor([1.0]), [1.0 + rtol / 2])
    with pytest.raises(AssertionError):
        tolerances.assert_close_to(torch.tensor([1.0]), [1.0 + 10 * (atol + rtol)])


def test_assert_close_to_checks_shape_dtype_and_exact_integers():
    with pytest.raises(AssertionError, match="shape"):
        tolerances.assert_close_to(torch.zeros(2), np.zeros(3))
    with pytest.raises(AssertionError, match="dtype"):
        tolerances.assert_close_to(torch.zeros(2), np.zeros(2), dtype=torch.float64)
    with pytest.raises(AssertionError, match="exact"):
        tolerances.assert_close_to(torch.tensor([3]), [4])
    tolerances.assert_close_to(torch.tensor([True, False]), [True, False])


def test_to_numpy_widens_bfloat16_exactly():
    t = torch.tensor([1.5, -2.0, 3.0], dtype=torch.bfloat16)
    assert tolerances.to_numpy(t).tolist() == [1.5, -2.0, 3.0]


def test_release_drops_local_build_tag():
    assert versions.release("2.14.1+cu130") == Version("2.14.1")
    assert versions.release("2.6.0.dev20250101") == Version("2.6.0")


def test_change_applies_from_its_release_on():
    change = versions.Change("2.6", "torch.load defaults to weights_only=True")
    assert not change.applies(Version("2.5.1"))
    assert change.applies(Version("2.6.0")) and change.applies(Version("2.14.1"))
    assert str(change) == "torch 2.6: torch.load defaults to weights_only=True"


def test_requires_marker_names_release_and_change():
    marker = versions.Change("9.0", "an API from the future").requires(Version("2.5.1"))
    assert marker.args[0] is True
    assert marker.kwargs["reason"] == "needs torch >= 9.0 (an API from the future); installed 2.5.1"
    assert versions.Change("2.0", "old").requires(Version("2.5.1")).args[0] is False


@pytest.mark.parametrize(
    "environ, expected",
    [({}, "dev"), ({"CI": "true"}, "ci"), ({"CI": "1"}, "ci"), ({"CI": "false"}, "dev")],
)
def test_default_profile_follows_ci_variable(environ, expected):
    assert profiles.default_profile(environ) == expected


def test_profiles_have_no_deadline():
    for name in profiles.PROFILES:
        assert settings.get_profile(name).deadline is None


def test_describe_says_how_to_rerun():
    assert "--hypothesis-seed=42" in profiles.describe("dev", 42)
    assert "derandomized" in profiles.describe("ci", None)


def test_break_profile_gives_one_stable_verdict():
    """--break's profile: the same examples every run, the first failure as the verdict."""
    from hypothesis import Phase

    chosen = settings.get_profile(profiles.BREAK_PROFILE)
    assert chosen.derandomize and chosen.database is None and chosen.deadline is None
    assert Phase.shrink not in chosen.phases and not chosen.report_multiple_bugs


def test_network_guard_blocks_inet_and_records_swallowed_attempts():
    with guards.network_blocked() as attempts:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed; the guard fires first
        except Exception:  # a library that swallows the error
            pass
        finally:
            sock.close()
        with pytest.raises(guards.NetworkAccessAttempted, match="offline"):
            socket.create_connection(("192.0.2.1", 443), timeout=0.01)
    assert attempts == [("192.0.2.1", 80), ("192.0.2.1", 443)]
    with pytest.raises(guards.NetworkAccessAttempted):
        guards.fail_if_attempted(attempts)


def test_network_guard_blocks_name_lookups_but_not_local_ones():
    with guards.network_blocked() as attempts:
        with pytest.raises(guards.NetworkAccessAttempted):
            socket.getaddrinfo("download.pytorch.org", 443)
        socket.getaddrinfo("localhost", 80)
        socket.getaddrinfo("127.0.0.1", 80)
    assert attempts == [("download.pytorch.org", 443)]


def test_network_guard_allows_unix_sockets_and_restores_connect():
    original = socket.socket.connect
    with guards.network_blocked():
        left, right = socket.socketpair()  # DataLoader workers rely on these
        left.sendall(b"ok")
        assert right.recv(2) == b"ok"
        left.close(), right.close()
    assert socket.socket.connect is original


def skipped(reason):
    return SimpleNamespace(longrepr=("file.py", 1, f"Skipped: {reason}"))


def test_not_run_groups_reasons_and_counts_excluded_devices():
    reports = [skipped("CUDA not available")] * 3 + [skipped("torchvision not installed")]
    groups = reporting.not_run(reports, Counter({"cuda": 5}))
    assert groups[0] == {"count": 5, "what": "CUDA variants", "reason": "deselected: --device excludes cuda"}
    assert {"count": 3, "what": "CUDA variants", "reason": "CUDA not available"} in groups
    assert reporting.format_not_run(groups)[-1] == "1 tests not run: torchvision not installed"
    assert reporting.format_not_run([]) == ["everything collected ran"]


def test_environment_record_names_versions_and_devices():
    env = environment.collect()
    assert env["torch"] == torch.__version__ and env["numpy"] == np.__version__
    assert env["devices"][0]["name"] == "cpu"
    assert len(env["devices"]) == 1 + (torch.cuda.device_count() if torch.cuda.is_available() else 0)
    assert any(line.startswith("python ") for line in environment.header_lines(env))


def test_torchvision_missing_gives_the_skip_reason(monkeypatch):
    monkeypatch.setattr(environment, "package_version", lambda name: environment.NOT_INSTALLED)
    assert environment.torchvision_missing() == "torchvision not installed"


def test_torchvision_fixture_gives_the_module_where_installed(torchvision):
    assert torchvision.__version__.split("+")[0] == environment.package_version("torchvision").split("+")[0]


def test_hub_cache_is_the_runs_temporary_torch_home():
    """torch.hub (where pretrained weights would be cached) points into the temporary TORCH_HOME."""
    assert torch.hub.get_dir() == os.path.join(os.environ["TORCH_HOME"], "hub")
    assert "suite-torch-home-" in os.environ["TORCH_HOME"]


def test_convergence_checks_cite_catalog_claims():
    """Result files and the summary name each check by a claim id of reference/claims.py."""
    from reference import claims as catalog
    from suite.convergence import training

    ids = {claim.id for claim in catalog.CLAIMS}
    for variant in training.VARIANTS.values():
        for spec in variant.values():
            assert {claim for claim, _ in spec.checks} <= ids, spec.model
