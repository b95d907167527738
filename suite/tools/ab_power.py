"""The interleaved A/B comparison's power and false-alarm rate, measured on this machine, beside
today's separate-runs gate on the same processes.

    python -m suite.tools.ab_power run DIR [--runs 10] [--pairs 10] [--bench GLOB ...]
                                       [--budget-s 0.2] [--slices 20] [--pin-cpu N|auto|none]
                                       [--max-minutes 30]
    python -m suite.tools.ab_power summary DIR

`run` alternates A/A runs of `python -m suite.tools.ab` (both sides this interpreter and
checkout) with planted runs (the same, with --plant-slowdown-b 10%: every timed call of side B
stretched by a busy wait to 1.1 times its duration), each writing its result file into DIR,
until --runs of each or --max-minutes; then prints the summary.

`summary` reads the result files in DIR and re-judges them from their raw timings:
  - A/A runs: a false alarm is a run with any benchmark "faster" or "slower";
  - planted runs: a benchmark is caught when it is "slower";
  - the separate-runs gate (python -m suite.tools.gate's rule: `gate.judge`, what the command
    runs on the rounds it reads from two benchmark files), one process's rounds as one run:
    (1) each pair's A process as the baseline, its B process as the candidate (their turns
    interleaved: kinder to the gate than separate runs are); (2) in A/A runs, each A process
    against the next pair's A process (separate processes, never interleaved: what CI's
    "main's run, then the branch's run" gives). A false alarm is an A/A comparison the gate
    fails; a catch a planted pair it fails.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from suite.tools import ab, benchfiles, gate, results
from suite.tools.cli import fail

POWER_BENCHMARKS = ("test_matmul[cpu-float32-256]",)
PLANT = "10%"


def run_study(directory: Path, runs: int, benchmarks, max_minutes: float, ab_options) -> int:
    """`ab_options`: the options every run of `ab` gets (--pairs, --budget-s, ...)."""
    started = time.monotonic()
    common = [*ab_options, "--no-png", "--results-dir", str(directory)]
    for pattern in benchmarks:
        common += ["--bench", pattern]
    for index in range(runs):
        for planted in (False, True):
            if time.monotonic() - started > 60 * max_minutes:
                print(f"stopping: --max-minutes {max_minutes:g} reached")
                return 0
            print(f"\n== run {index + 1}/{runs}, {'planted 10% slowdown in B' if planted else 'A/A'} ==")
            code = ab.main(common + (["--plant-slowdown-b", PLANT] if planted else []))
            if code != 0:
                return code
    return 0


def load_runs(directory: Path) -> list:
    documents = []
    for path in sorted(directory.glob("ab_*.json")):
        try:
            documents.append(results.read(path))
        except results.ResultError as error:
            raise ab.ABError(str(error)) from None
    if not documents:
        raise ab.ABError(f"{directory}: no A/B result files (ab_*.json)")
    return documents


def planted(document) -> bool:
    return document["sides"][1]["planted_slowdown"] > 0


def rejudged(document) -> list:
    """The run's judgements recomputed from its per-pair timings with its own settings."""
    settings = document["settings"]
    rule = ab.Rule(settings["threshold"], settings["alpha"], settings["confidence"])
    judgements = [ab.Judgement(b["name"], b["a"]["seconds_per_call"], b["b"]["seconds_per_call"])
                  for b in document["benchmarks"]]
    return ab.judge(judgements, rule)


def process_run(document, side: int, pair: int) -> benchfiles.Run:
    """One measuring process as the gate sees a benchmark result file of one run."""
    key = "ab"[side]
    benchmarks = {}
    for entry in document["benchmarks"]:
        rounds = np.asarray(entry[key]["rounds"][pair], float)
        benchmarks[entry["name"]] = benchfiles.Benchmark(
            fullname=entry["name"], device="cpu", unit="calls/s", work_per_call=1.0,
            throughput=float(1 / np.median(rounds)), torch_threads=document["settings"]["threads"],
            times=rounds)
    return benchfiles.Run(Path(f"pair{pair}{key}"), f"pair {pair} {key.upper()}",
                          document["sides"][side]["environment"], benchmarks)


def gate_verdicts(document, consecutive: bool = False) -> list:
    """The gate's verdicts ({benchmark: verdict}) per comparison: each pair's A process against
    its B process, or (consecutive) each A process against the next pair's A process."""
    verdicts = []
    pairs = document["settings"]["pairs"]
    for pair in range(pairs - 1 if consecutive else pairs):
        baseline = process_run(document, 0, pair)
        candidate = process_run(document, 0, pair + 1) if consecutive else process_run(
            document, 1, pair)
        judged = gate.judge(baseline, candidate, list(baseline.benchmarks), gate.Rule())
        verdicts.append({j.fullname: j.verdict for j in judged})
    return verdicts


def gate_counts(comparisons) -> tuple:
    """(comparisons failed, comparisons with a benchmark flagged too noisy)."""
    failed = sum(any(v in gate.FAILING for v in c.values()) for c in comparisons)
    noisy = sum(any(v in (gate.TOO_NOISY, gate.REGRESSION_NOISY) for v in c.values())
                for c in comparisons)
    return failed, noisy


def summary_lines(documents) -> list:
    aa = [d for d in documents if not planted(d)]
    slowed = [d for d in documents if planted(d)]
    lines = []
    if aa:
        judged = [rejudged(d) for d in aa]
        alarms = sum(any(j.verdict in ab.CHANGED for j in run) for run in judged)
        verdicts = [j.verdict for run in judged for j in run]
        ratios = [j.ratio for run in judged for j in run]
        spread = pair_spread(judged)
        paired = [v for d in aa for v in gate_verdicts(d)]
        consecutive = [v for d in aa for v in gate_verdicts(d, consecutive=True)]
        lines += [
            f"A/B, A/A runs: {alarms} of {len(aa)} runs with a false alarm "
            f"({count_text(verdicts)}; median ratios {min(ratios):.3f} to {max(ratios):.3f}; "
            f"pair ratios {spread})",
            "separate-runs gate on the same A/A processes, A against B of each pair: "
            "{} of {} fail, {} flagged too noisy".format(*gate_counts(paired)[:1], len(paired),
                                                         gate_counts(paired)[1]),
            "separate-runs gate on the same A/A processes, each A against the next pair's A: "
            "{} of {} fail, {} flagged too noisy".format(gate_counts(consecutive)[0],
                                                         len(consecutive),
                                                         gate_counts(consecutive)[1]),
        ]
    if slowed:
        judged = [rejudged(d) for d in slowed]
        caught = sum(all(j.verdict == ab.SLOWER for j in run) for run in judged)
        verdicts = [j.verdict for run in judged for j in run]
        ratios = [j.ratio for run in judged for j in run]
        spread = pair_spread(judged)
        gate_pairs = [v for d in slowed for v in gate_verdicts(d)]
        gate_caught = sum(all(v in gate.FAILING for v in pair.values()) for pair in gate_pairs)
        lines += [
            f"A/B, planted 10 % slowdown in B: caught in {caught} of {len(slowed)} runs "
            f"({count_text(verdicts)}; median ratios {min(ratios):.3f} to {max(ratios):.3f}; "
            f"pair ratios {spread})",
            f"separate-runs gate on the same planted processes: {gate_caught} of "
            f"{len(gate_pairs)} pairs fail",
        ]
    pairs = sorted({d["settings"]["pairs"] for d in documents})
    names = sorted({b["name"] for d in documents for b in d["benchmarks"]})
    lines.append(f"({len(documents)} runs of {', '.join(map(str, pairs))} pairs; "
                 f"{', '.join(names)})")
    return lines


def pair_spread(judged) -> str:
    """The single pairs' ratios B / A: their range, and the standard deviation of their logs
    (what the per-pair noise is)."""
    ratios = np.concatenate([j.ratios for run in judged for j in run])
    return (f"{ratios.min():.3f} to {ratios.max():.3f}, "
            f"sd of the log {np.std(np.log(ratios), ddof=1):.3f}")


def count_text(verdicts) -> str:
    return ", ".join(f"{verdicts.count(v)} {v}" for v in (ab.SLOWER, ab.FASTER, ab.SAME, ab.UNSTABLE)
                     if verdicts.count(v))


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m suite.tools.ab_power",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="measure: A/A and planted runs, then the summary")
    run.add_argument("directory", type=Path)
    run.add_argument("--runs", type=int, default=10, help="A/A runs, and as many planted")
    run.add_argument("--pairs", type=int, default=10)
    run.add_argument("--bench", action="append", help="default: test_matmul[cpu-float32-256]")
    run.add_argument("--budget-s", type=float, default=ab.DEFAULT_BUDGET_S)
    run.add_argument("--slices", type=int, default=ab.DEFAULT_SLICES)
    run.add_argument("--pin-cpu", type=ab.cpu_choice, default=ab.DEFAULT_PIN)
    run.add_argument("--max-minutes", type=float, default=30)
    summary = commands.add_parser("summary", help="the figures of the result files in DIR")
    summary.add_argument("directory", type=Path)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "run":
            options = ["--pairs", str(args.pairs), "--budget-s", str(args.budget_s),
                       "--slices", str(args.slices), "--pin-cpu", str(args.pin_cpu)]
            code = run_study(args.directory, args.runs, args.bench or POWER_BENCHMARKS,
                             args.max_minutes, options)
            if code != 0:
                return code
        print("\n".join(summary_lines(load_runs(args.directory))))
    except ab.ABError as error:
        return fail(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
