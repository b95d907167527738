"""The figures the README quotes about the suite itself, computed from the code.

    python -m suite.tools.figures

Counts of the suite (test functions, breakages, claims) and the regression gate's power
(suite/tools/gate_power.py). The README's "Figures the code keeps" block is this output,
verbatim; suite/selftest/test_figures.py fails when the two differ, so no figure there is
copied by hand.
"""

import importlib
import inspect
import pkgutil

README_START = "<!-- figures: python -m suite.tools.figures -->"
README_END = "<!-- /figures -->"


def conformance_test_functions() -> list:
    import suite.conformance

    found = []
    for info in pkgutil.iter_modules(suite.conformance.__path__):
        module = importlib.import_module(f"suite.conformance.{info.name}")
        found += [function for name, function in inspect.getmembers(module, inspect.isfunction)
                  if name.startswith("test_") and function.__module__ == module.__name__]
    return found


def count_lines() -> list[str]:
    from reference import claims
    from suite import breakages

    registry = breakages.registry()
    names = sum(len(breakage.caught_by) for breakage in registry.values())
    wrong = sum(claim.tutorial_is_wrong for claim in claims.CLAIMS)
    return [
        f"conformance test functions: {len(conformance_test_functions())}",
        f"breakages: {len(registry)}, naming tests {names} times "
        f"(`pytest --break list` expands the names to node ids)",
        f"catalog claims: {len(claims.CLAIMS)}, {wrong} of them recording a tutorial that is wrong",
    ]


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


def readme_block(text: str) -> list[str]:
    """The lines between the README's figure markers (inside its code fence)."""
    start, end = text.index(README_START), text.index(README_END)
    return [line for line in text[start + len(README_START):end].strip().splitlines()
            if not line.startswith("```")]


def main() -> int:
    print("\n".join(count_lines() + gate_lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
