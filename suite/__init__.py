"""PyTorch conformance and benchmark suite.

plugin/       the pytest plugin (options, devices, profiles, guards, reporting, --break)
testing/      what tests import: strategies, tolerances, version gates, models, data
conformance/  convergence/  benchmarks/   the tests
breakages/    deliberately broken torches, each naming the tests that must catch it
tools/        python -m suite and the command-line tools; result files
selftest/     tests of the suite itself
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# Node ids are written relative to this directory ("suite/conformance/test_x.py::test_y"),
# wherever the suite is installed: a checkout, or site-packages.
ROOT = PACKAGE_DIR.parent


def suite_id(path, name: str = "") -> str | None:
    """The node id of a test of the suite, relative to ROOT; None for a file outside the suite."""
    path = Path(path).resolve()
    if not path.is_relative_to(PACKAGE_DIR):
        return None
    relative = path.relative_to(ROOT).as_posix()
    return f"{relative}::{name}" if name else relative


def canonical_id(rootpath, nodeid: str) -> str:
    """A pytest node id relative to `rootpath`, rewritten relative to ROOT (suite/...) when it
    is a test of the suite; any other node id unchanged."""
    path, separator, rest = nodeid.partition("::")
    found = suite_id(Path(rootpath) / path)
    return f"{found}{separator}{rest}" if found else nodeid
