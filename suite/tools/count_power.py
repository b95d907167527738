"""The count gate's false alarms and power, measured on this machine (the README quotes it).

    python -m suite.tools.count_power [--runs 5] [--planted-runs 3] [--select NAMES]

Counts the selected workloads in `--runs` separate valgrind processes of the unchanged code and
`--planted-runs` processes where one workload (the first of the selection in the tier's
order) does one extra clone() of a
batch-sized tensor per call (SUITE_COUNTS_PLANT, suite/benchmarks/counts.py). Every pair of
unchanged runs is an A/A pair: the gate must pass it. Every (unchanged, planted) pair must fail
on the planted workload, and only on it.
"""

import argparse
import itertools
import os
import sys
import time

from suite.benchmarks import counts
from suite.tools import cli, countgate

DEFAULT_SELECTION = "train-step-mlp_sgd-batch64,forward-Net-batch1,train-step-cnn_adam-batch1"


def counted(names: list[str], repeats: int, planted: str | None) -> list[dict]:
    previous = os.environ.pop(counts.PLANT, None)
    if planted:
        os.environ[counts.PLANT] = planted
    try:
        return counts.count(names, repeats)
    finally:
        os.environ.pop(counts.PLANT, None)
        if previous is not None:
            os.environ[counts.PLANT] = previous


def verdicts(baseline: list[dict], candidate: list[dict], threshold: float) -> dict:
    judged = countgate.judge({"counts": baseline}, {"counts": candidate}, threshold)
    return {v.name: v for v in judged}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suite.tools.count_power", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--planted-runs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=counts.DEFAULT_REPEATS)
    parser.add_argument("--select", default=DEFAULT_SELECTION)
    parser.add_argument("--threshold", type=float, default=countgate.DEFAULT_THRESHOLD)
    args = parser.parse_args(argv)
    names = counts.select(args.select)
    if not names or args.runs < 2 or args.planted_runs < 1 or args.repeats < counts.MIN_REPEATS:
        return cli.fail("need a selection that matches a workload, --runs >= 2, --planted-runs "
                        f">= 1 and --repeats >= {counts.MIN_REPEATS}")
    planted = names[0]
    started = time.perf_counter()
    try:
        clean = [counted(names, args.repeats, None) for _ in range(args.runs)]
        changed = [counted(names, args.repeats, planted) for _ in range(args.planted_runs)]
    except counts.CountsUnavailable as error:
        return cli.fail(f"counts: {error}")
    print(f"{args.runs} unchanged + {args.planted_runs} planted valgrind processes, "
          f"{args.repeats} repeats, threshold {100 * args.threshold:g} %, "
          f"{time.perf_counter() - started:.0f} s")
    for name in names:
        medians = [run[names.index(name)]["overhead_median"] for run in clean]
        spreads = [run[names.index(name)]["overhead_spread"] for run in clean]
        print(f"  {name}: unchanged medians {min(medians):,}..{max(medians):,} "
              f"(between runs {100 * (max(medians) - min(medians)) / min(medians):.3f} %), "
              f"repeat spread up to {100 * max(spreads):.3f} %")
    extra = [run[0]["overhead_median"] - clean[0][0]["overhead_median"] for run in changed]
    print(f"  planted in {planted}: {min(extra):+,}..{max(extra):+,} instructions per call")
    aa = [verdicts(a, b, args.threshold) for a, b in itertools.combinations(clean, 2)]
    alarms = sum(any(v.verdict == countgate.REGRESSION for v in pair.values()) for pair in aa)
    unstable = sum(any(v.verdict == countgate.UNSTABLE for v in pair.values()) for pair in aa)
    ab = [verdicts(a, b, args.threshold) for a in clean for b in changed]
    caught = sum(pair[planted].verdict == countgate.REGRESSION for pair in ab)
    others = sum(any(v.verdict == countgate.REGRESSION for n, v in pair.items() if n != planted)
                 for pair in ab)
    print(f"A/A pairs: {len(aa)}, false alarms {alarms}, with an unstable workload {unstable}")
    print(f"planted pairs: {len(ab)}, caught {caught}, other workloads flagged in {others}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
