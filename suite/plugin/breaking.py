"""--break: the self-check inside pytest (Note [breakages] in suite/breakages/__init__.py).

    pytest --break NAME[,NAME...]   run the tests these breakages name, on the broken torch
    pytest --break all              every breakage; a detection table at the end; the run
                                    fails if a conformance test is named by no breakage or a
                                    breakage names a test that does not exist
    pytest --break list             the breakages and what they cover; runs nothing

Each test a chosen breakage names is parametrized once more, by the breakage
(`test_x[cpu-break:NAME]`), and every other test is deselected. The breakage's patch is applied
around that item's call only (fixtures are set up on the real torch, as before a real test),
and the item is a strict xfail raising `caught_as`: a test that fails as it should is reported
CAUGHT, one that passes fails the run as an XPASS(strict), one that fails otherwise fails it
with its own error.
"""

import functools
from collections import defaultdict

import pytest

import suite
from suite import breakages

PARAM = "suite_breakage"
ID_PREFIX = "break:"
CHOSEN = pytest.StashKey[tuple]()
LISTING = pytest.StashKey[dict]()
GAPS = pytest.StashKey[dict]()
GAPS_KEY = "suite_breakage_gaps"  # in an xdist worker's workeroutput
# `--break all` collects these whole, so that a test no breakage names is seen
CHECKED_FOR_GAPS = ("suite/conformance/", "suite/convergence/")
PROPERTY = "suite_breakage"
# A broken torch warns about what it breaks (complex values cast to real, ...): noise here.
QUIET = pytest.mark.filterwarnings("ignore")


def choose(value: str | None) -> tuple:
    """The Breakages --break names (all for "all"); raises pytest.UsageError for an unknown one."""
    if not value or value == "list":
        return ()
    known = breakages.registry()
    if value == "all":
        return tuple(known.values())
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise pytest.UsageError(
            f"--break {value}: no breakage named {', '.join(unknown) or '(empty)'}; "
            "`pytest --break list` lists them")
    return tuple(known[name] for name in names)


def test_id(item) -> str:
    """The suite-relative node id (suite/...) of an item, without its breakage parameter;
    the plain node id for a test outside the suite."""
    head, bracket, params = item.name.partition("[")
    name = item.name
    if bracket and ID_PREFIX in params:  # the breakage's id is the last parameter
        params = params[:params.index(ID_PREFIX)].removesuffix("-")
        name = f"{head}[{params}]" if params else head
    return suite.suite_id(item.path, name) or f"{item.nodeid.rpartition('::')[0]}::{name}"


def function_id(definition) -> str:
    return suite.suite_id(definition.path, definition.originalname) or definition.nodeid


def parametrize(metafunc) -> None:
    chosen = metafunc.config.stash.get(CHOSEN, ())
    if not chosen:
        return
    function = function_id(metafunc.definition)
    targets = [b for b in chosen if any(breakages.function_of(n) == function for n in b.caught_by)]
    if targets:
        metafunc.parametrize(PARAM, [b.id for b in targets], indirect=True,
                             ids=[ID_PREFIX + b.id for b in targets])


def breakage_of(item):
    callspec = getattr(item, "callspec", None)
    name = callspec.params.get(PARAM) if callspec else None
    return breakages.registry()[name] if name else None


def select(config, items) -> None:
    """Keep the items the chosen breakages name, each a strict xfail; deselect the rest."""
    kept, dropped = [], []
    for item in items:
        breakage = breakage_of(item)
        if breakage is None or not breakage.names(test_id(item)):
            dropped.append(item)
            continue
        item.add_marker(pytest.mark.xfail(strict=True, raises=breakage.caught_as,
                                          reason=f"broken on purpose: {breakage.id}"))
        item.repr_failure = functools.partial(repr_caught_natively, item, breakage.caught_as)
        item.add_marker(QUIET)
        item.user_properties.append((PROPERTY, breakage.id))
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def repr_caught_natively(item, caught_as, excinfo):
    """A caught failure is reported as CAUGHT, its traceback never shown, yet pytest formats it
    first, parsing the source of every frame (torch's long modules included), and hypothesis
    asks for that twice per failing test: half of `--break all`'s time. Python's own
    formatting reads only the lines it prints. Any other failure gets pytest's usual report."""
    if excinfo.errisinstance(caught_as):
        return item._repr_failure_py(excinfo, style="native")
    return type(item).repr_failure(item, excinfo)


def coverage(ids) -> dict:
    """What `--break list` shows: per breakage the tests it names among the node ids `ids`, the
    names that match nothing, and the conformance test functions no breakage names."""
    known, exempt = breakages.registry(), breakages.not_breakable()
    named = {b.id: [i for i in ids if b.names(i)] for b in known.values()}
    files = {i.partition("::")[0] for i in ids}  # a name is stale only if its file was collected

    def unmatched(name):
        return name.partition("::")[0] in files and not any(breakages.matches(name, i) for i in ids)

    stale = sorted({f"{b.id}: {name}" for b in known.values() for name in b.caught_by
                    if unmatched(name)}
                   | {f"NOT_BREAKABLE: {name}" for name in exempt if unmatched(name)})
    covered = {breakages.function_of(i) for found in named.values() for i in found}
    covered |= {breakages.function_of(i) for i in ids for name in exempt if breakages.matches(name, i)}
    conformance = {breakages.function_of(i) for i in ids if i.startswith("suite/conformance/")}
    return {"named": named, "stale": stale, "uncovered": sorted(conformance - covered),
            "exempt": exempt}


def gaps(ids, file_exists) -> dict:
    """What makes `--break all` fail even when every breakage is caught: the conformance tests
    among the node ids `ids` that it cannot show to be able to fail, and the names (typos,
    renamed tests or files) that match no test: in a collected file, or in a file under
    CHECKED_FOR_GAPS that does not exist."""
    listing = coverage(ids)
    names = [(b.id, name) for b in breakages.registry().values() for name in b.caught_by]
    names += [("NOT_BREAKABLE", name) for name in breakages.not_breakable()]
    missing = {f"{owner}: {name}" for owner, name in names if name.startswith(CHECKED_FOR_GAPS)
               and not file_exists(name.partition("::")[0])}
    return {"uncovered": listing["uncovered"], "stale": sorted(set(listing["stale"]) | missing)}


def write_gaps(terminal, found) -> None:
    if not found or not any(found.values()):
        return
    terminal.section("self-check gaps", red=True)
    for test in found["uncovered"]:
        terminal.write_line(f"named by no breakage: {test} (add a Breakage in suite/breakages/)",
                            red=True)
    for entry in found["stale"]:
        terminal.write_line(f"matches no collected test: {entry}", red=True)


def warn_stale(config, items) -> None:
    """A name that matches no collected test is a typo or a renamed test (array-api-tests warns
    on stale xfails likewise); warned once, by the controller or the first worker."""
    if getattr(config, "workerinput", {}).get("workerid", "gw0") != "gw0":
        return
    chosen_ids = {b.id for b in config.stash[CHOSEN]}
    for entry in coverage([test_id(item) for item in items])["stale"]:
        if entry.partition(":")[0] in chosen_ids:
            config.issue_config_time_warning(
                pytest.PytestWarning(f"--break: {entry} matches no collected test"), stacklevel=2)


class Breaking:
    """The --break plugin: registered by the suite's plugin when --break is given."""

    def __init__(self, config, value):
        self.value = value
        config.stash[CHOSEN] = choose(value)
        self.files = {name.partition("::")[0] for breakage in config.stash[CHOSEN]
                      for name in breakage.caught_by}

    @pytest.fixture(autouse=True)
    def suite_breakage(self, request):
        """The breakage an item runs under (its `break:` parameter), or None."""
        return getattr(request, "param", None)

    def pytest_ignore_collect(self, collection_path, config):
        """Test files the chosen breakages name nothing in are not even collected."""
        test_file = collection_path.name.startswith("test_") and collection_path.suffix == ".py"
        if self.value == "list" or not test_file:
            return None
        identifier = suite.suite_id(collection_path)
        if identifier is None:
            try:
                identifier = collection_path.relative_to(config.rootpath).as_posix()
            except ValueError:
                return None
        if self.value == "all" and identifier.startswith(CHECKED_FOR_GAPS):
            return None
        return None if identifier in self.files else True  # None: pytest decides as usual

    @pytest.hookimpl(trylast=True)  # after the device and parametrize marks: the id comes last
    def pytest_generate_tests(self, metafunc):
        parametrize(metafunc)

    # Not tryfirst: the plugin's own tryfirst hook records the collected ids (and marks the
    # known bugs) first; registered after pytest's own, this still runs before -k and -m.
    def pytest_collection_modifyitems(self, session, config, items):
        if self.value == "list":
            config.stash[LISTING] = coverage([test_id(item) for item in items])
            config.hook.pytest_deselected(items=list(items))
            items[:] = []
            return
        if self.value == "all":
            roots = (suite.ROOT, config.rootpath)
            config.stash[GAPS] = gaps([test_id(item) for item in items],
                                      lambda file: any((root / file).is_file() for root in roots))
        else:
            warn_stale(config, items)
        select(config, items)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        breakage = breakage_of(item)
        if breakage is None:
            return (yield)
        with pytest.MonkeyPatch.context() as monkeypatch:
            try:
                breakage.patch(monkeypatch)
            except ImportError as error:  # e.g. a torchvision breakage where it is not installed
                pytest.skip(f"breakage {breakage.id} cannot be applied here: {error}")
            try:
                return (yield)
            except BaseExceptionGroup as group:  # hypothesis reports several distinct failures
                caught = group.subgroup(breakage.caught_as)
                if caught is None:
                    raise
                while isinstance(caught, BaseExceptionGroup):
                    caught = caught.exceptions[0]
                raise caught from group

    def pytest_report_teststatus(self, report, config):
        if report.when == "call" and hasattr(report, "wasxfail") and report.skipped:
            return "caught", "c", "CAUGHT"
        return None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        config = session.config
        listing = config.stash.get(LISTING, None)
        if listing is not None:
            session.exitstatus = int(bool(listing["stale"] or listing["uncovered"]))
        found = config.stash.get(GAPS, None)
        if hasattr(config, "workeroutput"):
            config.workeroutput[GAPS_KEY] = found
        elif found and any(found.values()) and session.exitstatus in (
                pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: the workers collected, not the controller
    def pytest_testnodedown(self, node, error):
        found = getattr(node, "workeroutput", {}).get(GAPS_KEY)
        if found is not None:
            node.config.stash[GAPS] = found  # every worker collects the same items

    def pytest_terminal_summary(self, terminalreporter, config):
        listing = config.stash.get(LISTING, None)
        if listing is not None:
            write_listing(terminalreporter, listing)
            return
        write_detection(terminalreporter, config)
        write_gaps(terminalreporter, config.stash.get(GAPS, None))


def write_listing(terminal, listing) -> None:
    terminal.section("breakages")
    for breakage_id, found in listing["named"].items():
        terminal.write_line(f"{breakage_id}: {len(found)} test(s)")
        for test in found:
            terminal.write_line(f"    {test}")
    for name, reason in listing["exempt"].items():
        terminal.write_line(f"not breakable: {name} ({reason})")
    pairs = sum(len(found) for found in listing["named"].values())
    terminal.write_line(f"{len(listing['named'])} breakages naming {pairs} collected tests; "
                        f"{len(listing['stale'])} names match nothing; "
                        f"{len(listing['uncovered'])} conformance tests named by none")
    for entry in listing["stale"]:
        terminal.write_line(f"matches nothing: {entry}", red=True)
    for test in listing["uncovered"]:
        terminal.write_line(f"named by no breakage: {test}", red=True)


def detection(reports) -> dict:
    """{breakage id: {"caught": [...], "missed": [...], "not run": [...], "seconds": s}}."""
    table = defaultdict(lambda: {"caught": [], "missed": [], "not run": [], "seconds": 0.0})
    for report in reports:
        breakage_id = dict(report.user_properties).get(PROPERTY)
        if breakage_id is None:
            continue
        row = table[breakage_id]
        row["seconds"] += report.duration
        test = report.nodeid
        if report.when == "call" and hasattr(report, "wasxfail") and report.skipped:
            row["caught"].append(test)
        elif report.failed:
            row["missed"].append(test)
        elif report.skipped:  # in setup (no CUDA, say), or a patch that cannot be applied here
            row["not run"].append(test)
    return dict(table)


def write_detection(terminal, config) -> None:
    # stats also hold the deselected items themselves, which carry user_properties too
    reports = [report for reports in terminal.stats.values() for report in reports
               if isinstance(report, pytest.TestReport)]
    table = detection(reports)
    if not table:
        return
    terminal.section("detection: breakage -> tests that caught it")
    width = max(len(breakage_id) for breakage_id in table)
    for breakage_id, row in sorted(table.items()):
        verdict = "MISSED" if row["missed"] else "caught" if row["caught"] else "not run"
        terminal.write_line(
            f"{breakage_id:<{width}}  {verdict:<7}  {len(row['caught'])} caught, "
            f"{len(row['missed'])} missed, {len(row['not run'])} not run, {row['seconds']:.1f} s",
            red=bool(row["missed"]))
        for test in row["missed"]:
            terminal.write_line(f"    missed by {test}", red=True)
        if config.option.verbose > 0:
            for test in row["caught"]:
                terminal.write_line(f"    caught by {test}")
    missed = sum(bool(row["missed"]) for row in table.values())
    caught = sum(bool(row["caught"]) and not row["missed"] for row in table.values())
    terminal.write_line(f"{len(table)} breakages: {caught} caught, {missed} missed, "
                        f"{len(table) - caught - missed} not run here")
