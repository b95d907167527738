"""The harness's collection: the device variants of the suite's tests, the profile in use,
and the hooks that carry state between xdist's controller and its workers."""

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from types import SimpleNamespace

import pytest

from suite import ROOT, plugin
from suite.plugin import devices, profiles
from suite.plugin.devices import cuda_available
from suite.plugin.reporting import CUDA_MISSING, EXCLUDED_DEVICES

# Loaded with -p into a fresh pytest that collects the suite: each device variant, as JSON.
DUMP_VARIANTS = '''
    import json, os

    def pytest_collection_finish(session):
        variants = []
        for item in session.items:
            callspec = getattr(item, "callspec", None)
            if callspec is None or "device" not in callspec.params:
                continue
            marker = item.get_closest_marker("devices")
            variants.append({
                "name": item.originalname, "id": item.nodeid, "device": callspec.params["device"],
                "devices_marker": list(marker.args) if marker else None,
                "skipif": [[bool(m.args[0]), m.kwargs.get("reason")] for m in item.iter_markers("skipif")],
            })
        with open(os.environ["SUITE_DUMP_VARIANTS"], "w") as handle:
            json.dump(variants, handle)
'''


@pytest.fixture(scope="module")
def suite_variants(tmp_path_factory):
    """The device variants a plain `pytest` (the suite, --device all) collects, from a fresh
    pytest: this run collects only the self-tests."""
    where = tmp_path_factory.mktemp("variants")
    (where / "dump_variants.py").write_text(textwrap.dedent(DUMP_VARIANTS))
    dump = where / "variants.json"
    environ = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_XDIST")}
    environ.update(SUITE_DUMP_VARIANTS=str(dump),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(where), environ.get("PYTHONPATH")])))
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-p", "no:xdist", "-p", "dump_variants", "--device", "all"],
        cwd=ROOT, capture_output=True, text=True, env=environ, timeout=300)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(dump.read_text())


def test_device_parameter_names_a_device(device):
    """Device-generic, so this module has device variants too."""
    assert device in devices.ALL_DEVICES


@pytest.mark.subprocess
def test_every_device_generic_test_has_a_cpu_variant_and_a_cuda_one_skipped_with_the_reason(
        suite_variants):
    """(One test: the suite's collection is a fresh pytest of its own, seconds of CPU.)"""
    cpu = {variant["name"] for variant in suite_variants if variant["device"] == "cpu"}
    cuda = [variant for variant in suite_variants if variant["device"] == "cuda"]
    assert cpu and cuda, "no device variants were collected"
    not_on_cpu = {variant["name"] for variant in cuda if variant["devices_marker"] != ["cuda"]} - cpu
    assert not not_on_cpu, f"device-generic tests without a CPU variant: {sorted(not_on_cpu)}"
    for variant in cuda:
        skips = [condition for condition, reason in variant["skipif"] if reason == CUDA_MISSING]
        assert skips and skips[0] == (not cuda_available()), variant["id"]


def test_profile_in_use_follows_the_ci_variable(request):
    chosen = request.config.getoption("hypothesis_profile")
    explicit = "--hypothesis-profile" in " ".join(request.config.invocation_params.args)
    assert explicit or chosen == profiles.default_profile()


def test_device_cuda_without_cuda_is_a_usage_error(monkeypatch):
    monkeypatch.setattr(devices, "cuda_available", lambda: False)
    with pytest.raises(pytest.UsageError, match="--device cuda was asked for, but CUDA is not available"):
        devices.selected_devices("cuda")
    assert devices.selected_devices("all") == ("cpu", "cuda")


def fake_node(seed=None, workeroutput=None):
    config = SimpleNamespace(option=SimpleNamespace(hypothesis_seed=seed), stash={})
    config.stash[EXCLUDED_DEVICES] = Counter()
    return SimpleNamespace(config=config, workerinput={}, workeroutput=workeroutput or {})


def test_workers_get_the_controller_seed():
    node = fake_node(seed="1234")
    plugin.ShareSeedWithWorkers().pytest_configure_node(node)
    assert node.workerinput[plugin.SEED_KEY] == "1234"


def test_controller_learns_what_workers_left_out():
    sharing = plugin.ShareSeedWithWorkers()
    first = fake_node(workeroutput={plugin.EXCLUDED_KEY: {"cuda": 7}})
    second = fake_node(workeroutput={plugin.EXCLUDED_KEY: {"cuda": 7}})
    second.config = first.config  # both workers report to the one controller
    sharing.pytest_testnodedown(first, None)
    sharing.pytest_testnodedown(second, None)
    assert first.config.stash[EXCLUDED_DEVICES] == Counter({"cuda": 7})
