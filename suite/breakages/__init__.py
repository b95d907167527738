"""Deliberately broken torches, each naming the tests that must then fail.

Note [breakages]
A Breakage monkeypatches one documented behaviour away (from_numpy copies, add_ goes out of
place, argmax picks the last tie, ...) and names, as node ids, the tests that must fail on
it. `pytest --break NAME` (suite/plugin/breaking.py) runs exactly those tests inside an
ordinary pytest session, with the patch applied around each test's call: fixtures,
parametrize ids, xdist and device variants are the real run's, and the verdict is inverted
(each named test must fail, as `caught_as`). The strategies run as usual, with the `break`
hypothesis profile (derandomized, no shrinking), which also proves that they reach the inputs
that expose the breakage.

A test is named by its node id relative to the suite's root, as `pytest` in a checkout prints
it: "suite/conformance/test_creation.py::test_tensor_from_ndarray_copies". Without brackets a
name covers every parametrization of the function; in brackets, `*` stands for any run of
characters, so "test_x[*-ones_like]" is the ones_like case on every device: a CUDA variant's
breakage runs wherever CUDA is present.

Each area keeps its breakages in one module of this package as BREAKAGES (and NOT_BREAKABLE:
{name: reason} for the few tests that check the suite's own data, not torch).
`pytest --break list` shows which test each one covers and fails when a conformance test has
none or a name matches nothing.
"""

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from functools import cache

import pytest

FAILED = (AssertionError, pytest.fail.Exception)


@dataclass(frozen=True)
class Breakage:
    """A broken torch: `patch(monkeypatch)` installs it; every test `caught_by` names must fail."""

    id: str
    patch: callable
    caught_by: tuple
    # what the failure may be: an assertion, pytest.raises' DID NOT RAISE, or (for a
    # breakage that makes torch raise where it should not) the error torch now raises
    caught_as: tuple = field(default=FAILED)

    def __post_init__(self):
        object.__setattr__(self, "caught_by", tuple(self.caught_by))

    def names(self, test_id: str) -> bool:
        """Whether this breakage names the test with node id `test_id`."""
        return any(matches(name, test_id) for name in self.caught_by)


def wrap(monkeypatch, owner, name, make):
    """Replace owner.name by make(original)."""
    monkeypatch.setattr(owner, name, make(getattr(owner, name)))


@cache
def _pattern(name: str) -> re.Pattern:
    if "[" not in name:
        return re.compile(re.escape(name) + r"(\[.*\])?")
    return re.compile(".*".join(re.escape(part) for part in name.split("*")))


def matches(name: str, test_id: str) -> bool:
    return _pattern(name).fullmatch(test_id) is not None


def function_of(name: str) -> str:
    """The function part of a name: "path::test_x[cpu]" -> "path::test_x"."""
    return name.partition("[")[0]


def _modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        yield importlib.import_module(f"{__name__}.{info.name}")


@cache
def registry() -> dict:
    """{id: Breakage} of every area; ids are unique across the suite."""
    found = {}
    for module in _modules():
        for breakage in module.BREAKAGES:
            if breakage.id in found:
                raise ValueError(f"breakage id {breakage.id!r} is declared twice")
            found[breakage.id] = breakage
    return found


@cache
def not_breakable() -> dict:
    """{name: reason} for tests exempt from the self-check, with the reason."""
    return {name: reason for module in _modules()
            for name, reason in getattr(module, "NOT_BREAKABLE", {}).items()}
