"""The gate on instruction counts: `python -m suite.tools.gate BASELINE.json CANDIDATE.json` on
two counts files (kind "counts", written by python -m suite.tools.counts or the main job's
counts part).

The rule. Per workload, on the overhead count (instructions outside MKL/oneDNN, Note [counts]
in suite/benchmarks/counts.py), median over the repeats:
  - "unstable" when either file's repeats spread ((max - min) / median) by the threshold or
    more: a count that moves that much between repeats cannot be judged at that threshold;
  - "REGRESSION" when candidate / baseline exceeds 1 + threshold (default 1 %);
  - "fewer" when it is below 1 - threshold; "ok" otherwise.
No statistical test: counts of one build on one CPU are deterministic up to the spread the
repeats show, and the spread condition is what guards the threshold.
A changed workload is reported with the functions whose own instructions changed most (from
each file's top functions), so the reader sees where the instructions went.
Files whose dependencies (torch build, numpy, python, valgrind, CPU model) differ are refused,
naming the fields, unless --allow-env-mismatch.
"""

from dataclasses import dataclass

from suite.tools import benchfiles
from suite.tools.cli import fail, warn

REGRESSION = "REGRESSION"
UNSTABLE = "unstable"
FEWER = "fewer"
OK = "ok"
KIND = "counts"
DEFAULT_THRESHOLD = 0.01
TOP_DELTAS = 5


@dataclass(frozen=True)
class Verdict:
    name: str
    baseline: int
    candidate: int
    ratio: float
    spread: float  # the larger of the two files' spreads
    verdict: str
    deltas: tuple = ()  # (function, candidate - baseline instructions per call)


def function_deltas(baseline: dict, candidate: dict) -> tuple:
    """Functions by |change| of their own instructions. A function in only one file's top list
    counts as 0 in the other only if it is above that list's smallest entry (it would have been
    listed there); otherwise its change is unknown and it is left out."""
    before = {f["function"]: f["instructions"] for f in baseline["top_functions"]}
    after = {f["function"]: f["instructions"] for f in candidate["top_functions"]}
    floor_before, floor_after = min(before.values(), default=0), min(after.values(), default=0)
    changes = {}
    for name in before.keys() | after:
        if name in before and name in after:
            changes[name] = after[name] - before[name]
        elif name in after and after[name] > floor_before:
            changes[name] = after[name]
        elif name in before and before[name] > floor_after:
            changes[name] = -before[name]
    ranked = sorted((item for item in changes.items() if item[1]), key=lambda item: -abs(item[1]))
    return tuple(ranked[:TOP_DELTAS])


def judge_one(baseline: dict, candidate: dict, threshold: float) -> Verdict:
    before, after = baseline["overhead_median"], candidate["overhead_median"]
    ratio = after / before if before else float("inf")
    spread = max(baseline["overhead_spread"], candidate["overhead_spread"])
    if spread >= threshold:
        verdict = UNSTABLE
    elif ratio > 1 + threshold:
        verdict = REGRESSION
    elif ratio < 1 - threshold:
        verdict = FEWER
    else:
        verdict = OK
    deltas = function_deltas(baseline, candidate) if verdict in (REGRESSION, FEWER) else ()
    return Verdict(baseline["name"], before, after, ratio, spread, verdict, deltas)


def judge(baseline: dict, candidate: dict, threshold: float) -> list[Verdict]:
    after = {entry["name"]: entry for entry in candidate["counts"]}
    return [judge_one(entry, after[entry["name"]], threshold)
            for entry in baseline["counts"] if entry["name"] in after]


def refusals(baseline: dict, candidate: dict) -> list[str]:
    before, after = baseline["dependencies"], candidate["dependencies"]
    return [f"{field}: {before.get(field)} | {after.get(field)}"
            for field in sorted(before.keys() | after.keys()) if before.get(field) != after.get(field)]


def table(verdicts: list[Verdict]) -> list[str]:
    rows = [[v.name, f"{v.baseline:,}", f"{v.candidate:,}", f"{v.ratio:.4f}",
             f"{100 * v.spread:.2f} %", v.verdict] for v in verdicts]
    return benchfiles.table(["workload", "baseline", "candidate", "ratio", "spread", "verdict"], rows)


def run(baseline: dict, candidate: dict, labels: tuple, threshold: float,
        allow_env_mismatch: bool, fail_on_noise: bool) -> int:
    refused = refusals(baseline, candidate)
    listed = "".join(f"\n  {line}" for line in refused)
    if refused and not allow_env_mismatch:
        return fail(f"the counts differ in what they depend on:{listed}\nrefusing to judge "
                    "them; pass --allow-env-mismatch to compare anyway")
    if refused:
        warn(f"judging despite these differences (--allow-env-mismatch):{listed}")
    verdicts = judge(baseline, candidate, threshold)
    if not verdicts:
        return fail(f"{labels[0]} and {labels[1]} have no workloads in common")
    names = [{entry["name"] for entry in doc["counts"]} for doc in (baseline, candidate)]
    for label, only in (("baseline", names[0] - names[1]), ("candidate", names[1] - names[0])):
        if only:
            warn(f"only in the {label}, not judged: {', '.join(sorted(only))}")
    print(f"baseline:  {labels[0]}\ncandidate: {labels[1]}")
    print(f"instruction counts per call outside MKL/oneDNN; threshold {100 * threshold:g} %\n")
    for line in table(verdicts):
        print(line)
    for v in verdicts:
        if v.deltas:
            print(f"\n{v.name}: {v.verdict}, {v.candidate - v.baseline:+,} instructions per call; "
                  "largest changes by function:")
            for function, delta in v.deltas:
                print(f"  {delta:+14,}  {function}")
    failed = [v.name for v in verdicts if v.verdict == REGRESSION]
    unstable = [v.name for v in verdicts if v.verdict == UNSTABLE]
    if unstable:
        warn(f"{len(unstable)} workload(s) unstable at {100 * threshold:g} % (their repeats "
             f"spread more): {', '.join(unstable)}")
    if failed:
        print(f"\ngate: FAILED: {len(failed)} regression(s): {', '.join(failed)}")
        return 1
    if unstable and fail_on_noise:
        print("\ngate: FAILED: unstable counts (--fail-on-noise)")
        return 1
    if len(unstable) == len(verdicts):
        return fail("gate: nothing judged: every workload is unstable at this threshold")
    print(f"\ngate: passed ({len(verdicts) - len(unstable)} workloads judged)")
    return 0
