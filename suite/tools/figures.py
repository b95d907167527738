"""The figures the README quotes about the suite itself, computed from the code.

    python -m suite.tools.figures           # counts and the gate's power
    python -m suite.tools.figures --bugs    # the known upstream bugs table

Counts of the suite (test functions, breakages, claims, known bugs) and the regression gate's
power (suite/tools/gate_power.py). The README's "Figures the code keeps" block is the first
output verbatim, its "Known upstream bugs" table the second; suite/selftest/test_figures.py
fails when they differ, so nothing there is copied by hand.
"""

import importlib
import inspect
import pkgutil

README_START = "<!-- figures: python -m suite.tools.figures -->"
README_END = "<!-- /figures -->"
BUGS_START = "<!-- known bugs: python -m suite.tools.figures --bugs -->"
BUGS_END = "<!-- /known bugs -->"


def conformance_test_functions() -> list:
    import suite.conformance

    found = []
    for info in pkgutil.iter_modules(suite.conformance.__path__):
        module = importlib.import_module(f"suite.conformance.{info.name}")
        found += [function for name, function in inspect.getmembers(module, inspect.isfunction)
                  if name.startswith("test_") and function.__module__ == module.__name__]
    return found


def count_lines() -> list[str]:
    from reference import bugs, claims
    from suite import breakages

    registry = breakages.registry()
    names = sum(len(breakage.caught_by) for breakage in registry.values())
    wrong = sum(claim.tutorial_is_wrong for claim in claims.CLAIMS)
    return [
        f"conformance test functions: {len(conformance_test_functions())}",
        f"breakages: {len(registry)}, naming tests {names} times "
        f"(`pytest --break list` expands the names to node ids)",
        f"catalog claims: {len(claims.CLAIMS)}, {wrong} of them recording a tutorial that is wrong",
        f"known upstream bugs: {len(bugs.BUGS)}, "
        f"{sum(not bug.issue for bug in bugs.BUGS)} of them not yet reported upstream",
    ]


def bug_lines() -> list[str]:
    """The registry (reference/bugs.py) as a markdown table."""
    from reference import bugs

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| bug | issue | affected | measured here | test names |", "|---|---|---|---|---|"]
    for bug in bugs.BUGS:
        number = bug.issue.rstrip("/").rsplit("/", 1)[-1]
        project = "vision" if "/vision/" in bug.issue else "pytorch"
        issue = f"[{project}#{number}]({bug.issue})" if bug.issue else "not yet reported upstream"
        also = "".join(f", {name} {spec}" for name, spec in bug.also)
        lines.append(f"| `{bug.id}`: {cell(bug.title)} | {issue} | {bug.package} "
                     f"{cell(bug.affected)}{also} | {cell(bug.measured)} | {len(bug.tests)} |")
    return lines


def percent(value: float, digits: int) -> str:
    return f"{100 * value:.{digits}f} %"


def gate_lines() -> list[str]:
    from suite.tools import gate, gate_power

    lines = []
    for label, study in (("independent rounds", gate_power.INDEPENDENT),
                         ("rounds correlated (AR(1) 0.3) plus a 1 % run-to-run offset",
                          gate_power.DRIFTING)):
        figures = gate_power.power_figures(study)
        lines.append(
            f"gate, generated runs, {label}: false alarms "
            f"{percent(figures['per_benchmark_false_alarms'], 2)} per benchmark, "
            f"{percent(figures['per_file_false_alarms'], 1)} per 20-benchmark file; "
            f"a 10 % slowdown caught in {percent(figures['detection'], 1)}")
    resampled = gate_power.resampled_figures()
    lines.append(
        f"gate, recorded rounds resampled: false alarms {resampled['alarms']} of "
        f"{resampled['trials']} pairs; a 10 % slowdown caught in {resampled['caught']} of "
        f"{resampled['quiet_trials']} (the pairs not flagged too noisy)")
    pairs = gate_power.process_pair_figures()
    failed = sum(pairs.get(verdict, 0) for verdict in gate.FAILING)
    lines.append(
        f"gate, recorded runs process against process: {failed} of {sum(pairs.values())} "
        f"pairs fail, {pairs.get(gate.TOO_NOISY, 0)} flagged too noisy")
    return lines


def readme_block(text: str, start_marker=README_START, end_marker=README_END) -> list[str]:
    """The lines between two of the README's markers (inside a code fence, if any)."""
    start, end = text.index(start_marker), text.index(end_marker)
    return [line for line in text[start + len(start_marker):end].strip().splitlines()
            if not line.startswith("```")]


def main(argv=None) -> int:
    import sys

    argv = sys.argv[1:] if argv is None else argv
    if argv not in ([], ["--bugs"]):
        print("usage: python -m suite.tools.figures [--bugs]", file=sys.stderr)
        return 2
    print("\n".join(bug_lines() if argv else count_lines() + gate_lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
