"""The harness seen from inside this very run: device variants, the profile in use, and
the hooks that carry state between xdist's controller and its workers."""

from collections import Counter
from types import SimpleNamespace

import pytest

from suite import plugin
from suite.plugin import devices, profiles
from suite.plugin.devices import cuda_available
from suite.plugin.reporting import CUDA_MISSING, EXCLUDED_DEVICES


def device_variants(session, device):
    return [
        item for item in session.items
        if getattr(item, "callspec", None) and item.callspec.params.get("device") == device
    ]


def test_device_parameter_names_a_device(device):
    """Device-generic, so this module always has device variants to inspect."""
    assert device in devices.ALL_DEVICES


def test_cuda_variants_are_collected_and_skipped_with_the_reason(request):
    if "cuda" not in request.config.getoption("device").replace("all", "cuda"):
        pytest.skip("--device cpu: CUDA variants are not collected in this run")
    cuda_items = device_variants(request.session, "cuda")
    assert cuda_items, "no CUDA variant was collected"
    for item in cuda_items:
        skips = [m for m in item.iter_markers("skipif") if m.kwargs.get("reason") == CUDA_MISSING]
        assert bool(skips) and skips[0].args[0] == (not cuda_available()), item.nodeid


def test_every_device_generic_test_has_a_cpu_variant(request):
    if request.config.getoption("device") == "cuda":
        pytest.skip("--device cuda: CPU variants are not collected in this run")
    cpu = {item.originalname for item in device_variants(request.session, "cpu")}
    cuda = {item.originalname for item in device_variants(request.session, "cuda")
            if not cuda_only(item)}
    assert cuda <= cpu


def cuda_only(item) -> bool:
    """Declared CUDA-only with @pytest.mark.devices("cuda") (e.g. fp16 matmul benchmarks)."""
    marker = item.get_closest_marker("devices")
    return marker is not None and tuple(marker.args) == ("cuda",)


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
