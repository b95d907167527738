"""Known upstream bugs (reference/bugs.py) in this install: the tests each one names are strict
xfails with the issue in the reason, on the releases it affects; under --break they are skipped
(a test that fails for a known bug cannot show that it catches a breakage)."""

from importlib import metadata

import pytest

from reference import bugs as registry
from suite import breakages

def installed(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def bugs_here() -> list:
    """The registry's bugs whose affected range holds the installed release of their package."""
    found = []
    for bug in registry.BUGS:
        version = installed(bug.package)
        if version is not None and bug.affects(version, installed):
            found.append(bug)
    return found


def reason(bug) -> str:
    also = "".join(f", {name} {spec}" for name, spec in bug.also)
    return f"known bug [{bug.id}] {bug.where} ({bug.package} {bug.affected}{also}): {bug.title}"


def mark(config, items, test_id, breaking: bool) -> None:
    """Mark the items the bugs of this install name: strict xfails, or skips under --break."""
    here = bugs_here()
    for item in items:
        identifier = test_id(item)
        for bug in here:
            if any(breakages.matches(name, identifier) for name in bug.tests):
                item.add_marker(pytest.mark.skip(reason=f"{reason(bug)}: a breakage cannot be "
                                                 "told from it here") if breaking
                                else pytest.mark.xfail(strict=True, reason=reason(bug),
                                                       raises=bug.raises or None))


def stale(ids) -> list[str]:
    """Names of the registry that match none of `ids`, among the test files `ids` come from."""
    files = {identifier.partition("::")[0] for identifier in ids}
    return [f"{bug.id}: {name}" for bug in registry.BUGS for name in bug.tests
            if name.partition("::")[0] in files
            and not any(breakages.matches(name, identifier) for identifier in ids)]


def recorded(tests) -> list[dict]:
    """The bugs of this install, for result files (run.known_bugs), each with the tests whose
    outcome names its issue (`tests`: the recorder's entries; under xdist only the controller
    has them all)."""
    return [{"id": bug.id, "issue": bug.issue, "title": bug.title, "package": bug.package,
             "affected": bug.affected,
             "tests": sorted(entry["id"] for entry in tests if f"[{bug.id}]" in (entry["reason"] or ""))}
            for bug in bugs_here()]


def summary_lines() -> list[str]:
    here = bugs_here()
    if not here:
        return [f"none of the {len(registry.BUGS)} known upstream bugs of reference/bugs.py "
                "affects this install"]
    lines = [f"{len(here)} known upstream bug(s) affect this install (of {len(registry.BUGS)} "
             "in reference/bugs.py); their tests are strict xfails:"]
    for bug in here:
        lines.append(f"{bug.where} ({bug.package} {bug.affected}): {bug.title}")
    return lines
