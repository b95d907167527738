"""The README's figures about the suite itself are the ones the code computes
(suite/tools/figures.py): a count or a power figure copied by hand would go stale."""

import pytest

from suite import ROOT
from suite.tools import figures


@pytest.fixture(scope="module")
def readme():
    path = ROOT / "README.md"
    if not path.is_file():
        pytest.skip("no README.md: the suite is installed, not a checkout")
    return path.read_text()


@pytest.fixture(scope="module")
def quoted(readme):
    return figures.readme_block(readme)


def test_readme_quotes_the_suites_counts(quoted):
    counts = figures.count_lines()
    assert quoted[:len(counts)] == counts, "run python -m suite.tools.figures and paste its output"


def test_readme_quotes_the_gates_power(quoted):
    gate = figures.gate_lines()
    assert quoted[-len(gate):] == gate, "run python -m suite.tools.figures and paste its output"


def test_readme_lists_every_known_bug(readme):
    quoted = figures.readme_block(readme, figures.BUGS_START, figures.BUGS_END)
    assert quoted == figures.bug_lines(), "run python -m suite.tools.figures --bugs and paste it"


def test_figures_command_prints_them(capsys):
    """In this process: the gate's figures are cached, so this costs no second simulation."""
    assert figures.main([]) == 0
    assert capsys.readouterr().out.splitlines() == figures.count_lines() + figures.gate_lines()
    assert figures.main(["--bugs"]) == 0
    assert capsys.readouterr().out.splitlines() == figures.bug_lines()
    assert figures.main(["--nonsense"]) == 2
