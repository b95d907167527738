"""Every conformance test is shown to fail on some deliberately broken torch."""

import importlib
import inspect
import pkgutil

import pytest

import suite.conformance
import suite.selftest
from suite.conformance import test_indexing as indexing
from suite.selftest.breaking import Breakage, assert_caught, on_cpu


def modules(package, prefix):
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith(prefix):
            yield importlib.import_module(f"{package.__name__}.{info.name}")


def conformance_tests():
    for module in modules(suite.conformance, "test_"):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and function.__module__ == module.__name__:
                yield function


def test_every_conformance_test_has_a_breakage():
    covered, exempt = set(), {}
    for module in modules(suite.selftest, "test_breakage_"):
        for breakage in getattr(module, "BREAKAGES", []):
            covered.update(getattr(test, "func", test) for test in breakage.caught_by)
        exempt.update(getattr(module, "NOT_BREAKABLE_HERE", {}))
    missing = [
        f"{t.__module__}.{t.__name__}" for t in conformance_tests() if t not in covered | set(exempt)
    ]
    assert not missing, f"conformance tests never shown to fail on a broken torch: {missing}"


def test_a_breakage_that_breaks_nothing_is_reported(monkeypatch):
    harmless = Breakage("nothing", lambda mp: None, [])
    with pytest.raises(pytest.fail.Exception, match="passed on a torch broken as 'nothing'"):
        assert_caught(harmless, on_cpu(indexing.test_basic_index_matches_numpy), monkeypatch)
