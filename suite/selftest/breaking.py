"""Machinery of the self-check: deliberately broken torches and the tests that must catch them.

A Breakage monkeypatches one documented behaviour away (from_numpy copies, add_ goes out
of place, argmax picks the last tie, ...) and names the conformance tests that must then
fail. The tests run as in a normal run, strategies included (with derandomized,
no-shrink settings, so the verdict is stable and quick), which also proves that the
strategies reach the inputs that expose the breakage.

Each area keeps its breakages in selftest/test_breakage_<area>.py as a BREAKAGES list
(and NOT_BREAKABLE_HERE: {test: reason} for tests that cannot run on this machine);
test_breakage_coverage.py checks that every conformance test is caught by one.
"""

from dataclasses import dataclass, field
from functools import partial

import pytest

from suite.plugin import profiles

FAILED = (AssertionError, pytest.fail.Exception)


@dataclass
class Breakage:
    """A broken torch: `patch(monkeypatch)` installs it; each of `caught_by` must fail."""

    id: str
    patch: callable
    caught_by: list
    # what the failure may be: an assertion, pytest.raises' DID NOT RAISE, or (for a
    # breakage that makes torch raise where it should not) the error torch now raises
    caught_as: tuple = field(default=FAILED)


def on_cpu(test, **params):
    return partial(test, device="cpu", **params)


def wrap(monkeypatch, owner, name, make):
    """Replace owner.name by make(original)."""
    monkeypatch.setattr(owner, name, make(getattr(owner, name)))


def with_torchvision(test, **params):
    """The test bound to the torchvision module, as its fixture would give it."""

    def run():
        import torchvision

        return test(torchvision=torchvision, **params)

    run.func, run.keywords = test, params  # read by the coverage check and for the case id
    return run


def case_name(test) -> str:
    """test_name[params] of a test function or a partial of one (anything with .func/.keywords)."""
    function, keywords = getattr(test, "func", test), getattr(test, "keywords", {})
    params = "-".join(str(value) for key, value in keywords.items() if key != "device")
    return function.__name__ + (f"[{params}]" if params else "")


def cases(breakages):
    """pytest params (breakage, test), one per test a breakage must be caught by."""
    return [
        pytest.param(breakage, test, id=f"{breakage.id}:{case_name(test)}")
        for breakage in breakages
        for test in breakage.caught_by
    ]


def assert_caught(breakage, test, monkeypatch):
    """Run `test` on a torch broken by `breakage`; fail unless the test fails as it should."""
    breakage.patch(monkeypatch)
    try:
        with profiles.self_check_settings(test):
            test()
    except breakage.caught_as:
        return
    except BaseExceptionGroup as group:  # hypothesis reports several distinct failures
        if group.subgroup(breakage.caught_as) is not None:
            return
        raise
    pytest.fail(f"{case_name(test)} passed on a torch broken as {breakage.id!r}")
