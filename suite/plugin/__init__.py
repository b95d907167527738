"""The suite's pytest plugin, registered through the `pytest11` entry point (pyproject.toml):
options, hypothesis profiles, the device parameter, report header and summary, the offline
guards and result files. Wiring only: the logic lives in the modules beside this one.

Installed, the plugin is loaded by every pytest in that environment; a session that runs none
of the suite's tests is left alone (`runs_the_suite`), and within a session it acts on the
suite's own tests only (`suite_item`). torch is imported only once the options are known to be valid, so a usage error is
reported in a second rather than after torch's import.
"""

import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest

import suite
from suite.plugin import guards, options, profiles, reporting
from suite.plugin.reporting import DEVICES, EXCLUDED_DEVICES

SEED_KEY = "suite_hypothesis_seed"
# The node ids the session collected, before -k or --break deselect any (the known bugs'
# stale-entry warning reads them).
COLLECTED = pytest.StashKey[list]()
ACTIVE = pytest.StashKey[bool]()  # this session runs the suite's tests (runs_the_suite)
SUITE_OPTIONS = ("break_", "results_dir")
MARKERS = (
    "cuda: the CUDA variant of a device-generic test (skipped with a reason where CUDA is absent)",
    "devices(*names): restrict a device-generic test to these devices",
    "subprocess: starts a fresh Python interpreter (slower, a few seconds each)",
    "covers(*claim_ids): the test checks these claims of the documented-claims catalog",
    "network_attempt_expected: the test itself asserts that a connection attempt was refused "
    "(e.g. pretrained weights offline)",
)
# A warning raised in __del__ or a thread is otherwise only printed; in the suite it fails the test.
UNRAISABLE_IS_AN_ERROR = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
EXCLUDED_KEY = "suite_excluded_devices"


def pytest_addoption(parser):
    parser.addoption(
        "--device",
        choices=("cpu", "cuda", "all"),
        default="all",
        help="devices for device-generic tests: cpu, cuda, or all (default: all; "
        "variants for a device that is absent are skipped with the reason)",
    )
    parser.addoption(
        "--results-dir",
        metavar="DIR",
        help="also write every test's outcome, with the environment, as a result file into DIR "
        "(suite/tools/schema.json, kind conformance); the cross-version report reads these",
    )
    parser.addoption(
        "--convergence",
        choices=("short", "full"),
        default="short",
        help="convergence runs: short (one seed, fewer epochs; default) or full (the documented "
        "epochs on three seeds, several minutes on a CPU)",
    )
    parser.addoption(
        "--compile",
        choices=("quick", "full"),
        default="quick",
        help="torch.compile tests: quick (aot_eager, and inductor on a few cases; default) or "
        "full (every case on every backend, the torchvision models too; minutes on a CPU)",
    )
    parser.addoption(
        "--break",
        dest="break_",
        metavar="NAME|all|list",
        help="the self-check: run the tests that the breakage NAME (comma-separated names, or all) "
        "names on a torch broken on purpose; each must fail. `list` shows the breakages and what "
        "they cover, and runs nothing",
    )


def runs_the_suite(config) -> bool:
    """Whether this session runs the suite's tests: its paths (or `--pyargs suite...`) are
    among the arguments, the checkout's root is, or one of the suite's own options is given.
    Any other project's session in the same environment is left alone."""
    if any(config.getoption(name, default=None) for name in SUITE_OPTIONS):
        return True
    for arg in config.args:
        name = str(arg).split("::")[0]
        if config.option.pyargs and (name == "suite" or name.startswith("suite.")):
            return True
        path = (config.invocation_params.dir / name).resolve()
        if path == suite.ROOT or path.is_relative_to(suite.PACKAGE_DIR):
            return True
    return False


def active(config) -> bool:
    return config.stash.get(ACTIVE, False)


@pytest.hookimpl(tryfirst=True)  # before hypothesis' own plugin loads the profile
def pytest_configure(config):
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    config.stash[ACTIVE] = runs_the_suite(config)
    if not active(config):
        return
    # What the checkout's pyproject.toml would say, said here for an installed suite run from
    # anywhere (pytest --pyargs suite): benchmarks as one untimed smoke call unless
    # --benchmark-enable.
    profiles.register()
    if config.getoption("benchmark_enable", default=True) is False:
        config.option.benchmark_disable = True
    profile = config.getoption("hypothesis_profile") or profiles.default_profile()
    if profile not in profiles.PROFILES:
        raise pytest.UsageError(
            f"unknown hypothesis profile {profile!r}; choose one of: {', '.join(profiles.PROFILES)}"
        )
    try:
        options.bench_threads()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    breaking_value = config.getoption("break_")
    if breaking_value:
        if config.getoption("results_dir"):
            raise pytest.UsageError("--break runs write no result file: drop --results-dir")
        from suite.plugin.breaking import Breaking

        if breaking_value == "list" and hasattr(config.option, "dist"):
            config.option.dist = "no"  # a listing of what is collected: no workers to start

        config.pluginmanager.register(Breaking(config, breaking_value), "suite-breaking")
        profile = profiles.BREAK_PROFILE
    config.option.hypothesis_profile = profile
    if (config.getoption("hypothesis_seed") is None and profile in profiles.PROFILES
            and not profiles.PROFILES[profile].get("derandomize")):
        worker_input = getattr(config, "workerinput", {})
        config.option.hypothesis_seed = str(worker_input.get(SEED_KEY) or profiles.new_seed())

    from suite.plugin import devices

    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        # Each worker gets its share of the cores: torch's default (one thread per core) in
        # every worker oversubscribes them, and tiny ops then cost milliseconds instead of µs.
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))

    config.stash[EXCLUDED_DEVICES] = Counter()
    config.stash[DEVICES] = devices.selected_devices(config.getoption("device"))

    # Nothing a test does may touch the user's caches: torch.hub and dataset roots are temporary.
    config.suite_torch_home = tempfile.mkdtemp(prefix="suite-torch-home-")
    os.environ["TORCH_HOME"] = config.suite_torch_home
    # torch.compile's inductor caches too (per session, per xdist worker): a cold start every run
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(config.suite_torch_home, "inductor")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(ShareSeedWithWorkers())
    if config.getoption("results_dir") and not hasattr(config, "workerinput"):
        directory = Path(config.getoption("results_dir")).resolve()
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise pytest.UsageError(f"--results-dir {directory}: cannot be created ({error.strerror})")
        config.pluginmanager.register(reporting.ResultFileWriter(directory))


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "suite_torch_home", ""), ignore_errors=True)


class ShareSeedWithWorkers:
    """xdist workers re-parse the command line and collect on their own: give them the
    controller's seed, and bring back what their collection left out."""

    def pytest_configure_node(self, node):
        node.workerinput[SEED_KEY] = node.config.option.hypothesis_seed

    def pytest_sessionfinish(self, session):
        if hasattr(session.config, "workeroutput"):
            session.config.workeroutput[EXCLUDED_KEY] = dict(session.config.stash[EXCLUDED_DEVICES])

    def pytest_testnodedown(self, node, error):
        excluded = node.config.stash[EXCLUDED_DEVICES]
        for device, count in getattr(node, "workeroutput", {}).get(EXCLUDED_KEY, {}).items():
            excluded[device] = max(excluded[device], count)  # every worker collects everything


def pytest_report_header(config):
    if not active(config):
        return []
    from suite import environment

    lines = environment.header_lines(environment.collect())
    lines.append(f"devices under test: {', '.join(config.stash[DEVICES])}")
    lines.append(
        profiles.describe(config.option.hypothesis_profile, config.option.hypothesis_seed)
    )
    return lines


def pytest_benchmark_update_machine_info(config, machine_info):
    """Benchmark files carry the same environment record as every other result file."""
    if not active(config):
        return
    from suite import environment

    machine_info["environment"] = environment.collect()


def suite_item(item) -> bool:
    """A test of the suite (the plugin leaves every other project's tests alone)."""
    return suite.suite_id(item.path) is not None


def pytest_generate_tests(metafunc):
    if (not active(metafunc.config) or "device" not in metafunc.fixturenames
            or not suite_item(metafunc.definition)):
        return
    from suite.plugin import devices

    marker = metafunc.definition.get_closest_marker("devices")
    wanted = marker.args if marker else devices.ALL_DEVICES
    metafunc.parametrize("device", [devices.device_param(name) for name in wanted])


@pytest.hookimpl(tryfirst=True, specname="pytest_collection_modifyitems")  # before -k/-m
def pytest_remember_collected(config, items):
    """Remember what was collected; mark the tests of the known upstream bugs of this install."""
    if not active(config):
        return
    from suite.plugin import breaking, bugs

    config.stash[COLLECTED] = [breaking.test_id(item) for item in items]
    suite_items = [item for item in items if suite_item(item)]
    bugs.mark(config, suite_items, breaking.test_id, breaking=bool(config.getoption("break_")))
    if getattr(config, "workerinput", {}).get("workerid", "gw0") == "gw0":  # warned once
        for entry in bugs.stale(config.stash[COLLECTED]):
            config.issue_config_time_warning(pytest.PytestWarning(
                f"reference/bugs.py: {entry} matches no collected test"), stacklevel=2)


@pytest.hookimpl(trylast=True)  # after -k/-m, so only variants they kept are counted
def pytest_collection_modifyitems(config, items):
    """Deselect the variants of devices --device leaves out, counting each one (a test with
    other parameters has several variants per device)."""
    if not active(config):
        return
    chosen = config.stash[DEVICES]
    kept, left_out = [], []
    for item in items:
        if suite_item(item):
            item.add_marker(UNRAISABLE_IS_AN_ERROR)
        callspec = getattr(item, "callspec", None)
        device = callspec.params.get("device") if callspec and suite_item(item) else None
        (left_out if device is not None and device not in chosen else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        config.stash[EXCLUDED_DEVICES].update(item.callspec.params["device"] for item in left_out)
    # Slowest first: pytest-xdist hands tests out in this order, and a fresh interpreter or a
    # training run handed out last leaves one worker running alone at the end (a stable sort:
    # each module's order is kept).
    items[:] = sorted(kept, key=lambda item: not starts_slow(item))


def starts_slow(item) -> bool:
    """A fresh interpreter, a training run, or an inductor compile (its first in a worker takes
    15 s or more on two cores; the inductor variants --compile quick leaves out skip at once)."""
    training = suite_item(item) and item.path.parent.name == "convergence"
    callspec = getattr(item, "callspec", None)
    inductor = callspec is not None and callspec.params.get("backend") == "inductor"
    return bool(item.get_closest_marker("subprocess")) or training or inductor


@pytest.fixture(scope="session")
def torchvision():
    """The torchvision module; tests that take it skip with the reason when it is missing."""
    from suite import environment

    reason = environment.torchvision_missing()
    if reason:
        pytest.skip(reason)
    import torchvision

    return torchvision


def offline(item):
    """Run a test's phase with the network blocked; an attempt, even one a library swallowed,
    fails the phase (setup and teardown cover the fixtures)."""
    if not suite_item(item):
        return (yield)
    with guards.network_blocked() as attempts:
        result = yield
    if not item.get_closest_marker("network_attempt_expected"):
        guards.fail_if_attempted(attempts)
    return result


pytest_runtest_setup = pytest.hookimpl(wrapper=True)(offline)
pytest_runtest_call = pytest.hookimpl(wrapper=True)(offline)
pytest_runtest_teardown = pytest.hookimpl(wrapper=True)(offline)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and suite_item(item) and getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        option = item.config.option
        command = reporting.reproduce_command(item.nodeid, option.hypothesis_profile,
                                              option.hypothesis_seed)
        report.sections.append(
            ("how to reproduce",
             f"{command}\n(or add the @reproduce_failure(...) line printed above to the test)"))
    return report


def pytest_terminal_summary(terminalreporter, config):
    if not active(config):
        return
    from suite.plugin import bugs

    terminalreporter.section("known upstream bugs in this install")
    for line in bugs.summary_lines():
        terminalreporter.write_line(line)
    groups = reporting.not_run(
        terminalreporter.stats.get("skipped", []), config.stash[EXCLUDED_DEVICES]
    )
    terminalreporter.section("not run")
    for line in reporting.format_not_run(groups):
        terminalreporter.write_line(line)
