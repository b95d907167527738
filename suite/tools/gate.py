"""The regression gate: is the candidate run slower than the baseline run?

    python -m suite.tools.gate BASELINE.json CANDIDATE.json [--max-slowdown 5%] [--alpha 0.01]
                         [--max-noise 10%] [--allow-env-mismatch] [--fail-on-noise]

Both files are benchmark result files (suite/tools/schema.json, kind "benchmark"); benchmarks are
matched by fullname and judged on their raw per-round timings (stats.data, seconds per call,
divided by work_per_call).

The rule. A benchmark is a REGRESSION when both
  1. the ratio of median times, candidate / baseline, exceeds 1 + max-slowdown, and
  2. the one-sided Mann-Whitney U test (scipy.stats.mannwhitneyu, alternative "greater":
     candidate rounds tend to be longer than baseline rounds) rejects "no slowdown" at the
     family-wise level alpha, after Holm's correction over all the benchmarks judged.
The ratio is the size that matters; the test makes sure the size is not the rounds' noise.
A rank test, because round times are skewed with a long right tail (a page fault, a neighbour's
job): one outlier moves a mean and a t-test, not the ranks or the median.
Holm keeps the chance that an unchanged file of k benchmarks fails below alpha in total, not
alpha per benchmark (a file of 30 benchmarks at 1 % each would fail a quarter of A/A pairs).

What --max-slowdown means. It is the boundary of the estimate, not a detection guarantee: a
true slowdown exactly equal to it is flagged about half the time (the estimated ratio falls
on either side). To catch a slowdown of X reliably, set --max-slowdown to about X / 2. With the
default 5 %, the false-alarm and detection rates on generated timings and on rounds the
suite's harness recorded are measured by suite/tools/gate_power.py; `python -m suite.tools.figures`
prints them (the README quotes that output).

Assumptions and their limits. The U test treats rounds as independent; they are not (drift,
warm caches, a neighbour's job), which makes p-values optimistic; the ratio threshold is what
guards against that, and against run-to-run shifts that no statistic of one run can see (other
load, clock, memory placement). Set --max-slowdown above the run-to-run variation of your
machine: gate two runs of an unchanged tree to see it. On the shared 2-core VM where the
committed samples were recorded, medians of separate processes differed by up to 1.7x.

Noise. A run whose rounds spread more than --max-noise (IQR / median, robust to the odd
outlier, unlike the coefficient of variation, which is shown for information) is "too noisy":
a warning, and its threshold is widened by its spread, i.e. it is a REGRESSION only when slower
than (1 + max-slowdown) x (1 + IQR/median) and significant. A gross slowdown still fails; a
shift no larger than the run's own spread does not fail the build but is reported as
"too noisy" (exit 0, or 1 with --fail-on-noise).

Environments. Timings are comparable only on the same hardware with the same thread count:
a different cpu_model, model of an accelerator the benchmarks ran on, or CUDA availability,
or a benchmark whose unit, work_per_call, device or torch_threads (the count the harness ran
it with, in its extra_info) differ, is refused (exit 2) unless --allow-env-mismatch. Host name,
core count, memory and software versions (torch, numpy, BLAS, CUDA build, git commit) are
shown, never refused: a second machine of the same model, or another torch, is what the gate
is for.

Counts. Given two instruction-count files (kind "counts"), the gate judges counts instead, by
the rule in suite/tools/countgate.py (--count-threshold, default 1 %).

Exit status: 0 no regression, 1 a regression (or too noisy with --fail-on-noise), 2 usage
error, unreadable or unusable file, no benchmarks in common, none of them judged (not timed,
too few rounds, other units), or refused environments.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from suite.tools.cli import fail, warn
from suite.tools import benchfiles, countgate, results
from suite.tools.benchfiles import BenchFileError


REGRESSION = "REGRESSION"
REGRESSION_NOISY = "REGRESSION (noisy)"
TOO_NOISY = "too noisy"
TOO_FEW_ROUNDS = "too few rounds"
SLOWER_NOT_SIGNIFICANT = "slower, not significant"
FASTER = "faster"
OK = "ok"
NOT_TIMED = "not timed"
NOT_COMPARABLE = "not comparable"
FAILING = (REGRESSION, REGRESSION_NOISY)
JUDGED = (*FAILING, TOO_NOISY, SLOWER_NOT_SIGNIFICANT, FASTER, OK)  # TOO_NOISY: judged, widened


@dataclass(frozen=True)
class Rule:
    max_slowdown: float = 0.05
    alpha: float = 0.01
    max_noise: float = 0.10


# --- statistics: every function works along the last axis (rounds), so the self-test's
# --- simulation of thousands of files runs through the very code the command uses.

def slowdown_statistics(baseline, candidate):
    """(ratio of medians candidate / baseline, p of "candidate slower", p of "candidate faster")."""
    baseline, candidate = np.asarray(baseline, float), np.asarray(candidate, float)
    ratio = np.median(candidate, axis=-1) / np.median(baseline, axis=-1)
    slower = stats.mannwhitneyu(candidate, baseline, alternative="greater", axis=-1).pvalue
    faster = stats.mannwhitneyu(candidate, baseline, alternative="less", axis=-1).pvalue
    return ratio, slower, faster


def spread(times):
    """IQR / median of the rounds."""
    q1, median, q3 = np.percentile(np.asarray(times, float), [25, 50, 75], axis=-1)
    return (q3 - q1) / median


def holm(pvalues):
    """Holm's step-down adjusted p-values over the last axis (the benchmarks of one file)."""
    p = np.asarray(pvalues, float)
    count = p.shape[-1]
    order = np.argsort(p, axis=-1)
    ranked = np.take_along_axis(p, order, axis=-1) * (count - np.arange(count))
    adjusted = np.minimum(1.0, np.maximum.accumulate(ranked, axis=-1))
    out = np.empty_like(adjusted)
    np.put_along_axis(out, order, adjusted, axis=-1)
    return out


def smallest_p(baseline_rounds: int, candidate_rounds: int) -> float:
    """The p-value of the most extreme outcome: every candidate round longer than every
    baseline round. With 5 rounds each it is 0.004, so 5 rounds can never convict at 0.001."""
    return float(stats.mannwhitneyu(np.arange(candidate_rounds) + baseline_rounds,
                                    np.arange(baseline_rounds), alternative="greater").pvalue)


def classify(ratio, p_slower, p_faster, noise, min_p, rule: Rule):
    """The verdict of each benchmark; p-values already Holm-adjusted over the file and
    noise = the larger IQR/median of the two runs."""
    ratio, noise = np.asarray(ratio), np.asarray(noise)
    family = max(1, ratio.shape[-1]) if ratio.ndim else 1
    noisy = noise > rule.max_noise
    threshold = (1 + rule.max_slowdown) * np.where(noisy, 1 + noise, 1.0)
    convicted = (ratio > threshold) & (np.asarray(p_slower) < rule.alpha)
    conditions = [
        convicted & ~noisy,
        convicted & noisy,
        noisy,
        np.asarray(min_p) >= rule.alpha / family,
        ratio > 1 + rule.max_slowdown,
        (ratio < 1 / (1 + rule.max_slowdown)) & (np.asarray(p_faster) < rule.alpha),
    ]
    choices = [REGRESSION, REGRESSION_NOISY, TOO_NOISY, TOO_FEW_ROUNDS, SLOWER_NOT_SIGNIFICANT,
               FASTER]
    return np.select(conditions, choices, default=OK)


# --- judging two files --------------------------------------------------------------------------

@dataclass
class Judgement:
    fullname: str
    verdict: str
    baseline_median: float | None = None
    candidate_median: float | None = None
    ratio: float | None = None  # of median times per unit of work, candidate / baseline
    p: float | None = None  # one-sided U test, candidate slower
    p_faster: float | None = None
    p_holm: float | None = None
    min_p: float | None = None  # the smallest p these round counts allow
    spreads: tuple = ()  # IQR/median of baseline and candidate
    cvs: tuple = ()  # coefficient of variation of baseline and candidate


def coefficient_of_variation(times) -> float:
    return float(np.std(times, ddof=1) / np.mean(times)) if len(times) > 1 else 0.0


def measure(name: str, base: benchfiles.Benchmark, cand: benchfiles.Benchmark) -> Judgement:
    if base.throughput is None or cand.throughput is None:
        return Judgement(name, NOT_TIMED)
    if base.unit != cand.unit:
        return Judgement(name, NOT_COMPARABLE)
    ratio, p_slower, p_faster = slowdown_statistics(base.times / base.work_per_call,
                                                    cand.times / cand.work_per_call)
    return Judgement(
        name, OK, base.median, cand.median, float(ratio), float(p_slower), float(p_faster),
        min_p=smallest_p(len(base.times), len(cand.times)),
        spreads=(float(spread(base.times)), float(spread(cand.times))),
        cvs=(coefficient_of_variation(base.times), coefficient_of_variation(cand.times)))


def judge(baseline: benchfiles.Run, candidate: benchfiles.Run, fullnames, rule: Rule) -> list:
    judgements = [measure(name, baseline.benchmarks[name], candidate.benchmarks[name])
                  for name in fullnames]
    judged = [j for j in judgements if j.ratio is not None]
    if judged:
        p_slower, p_faster = holm([j.p for j in judged]), holm([j.p_faster for j in judged])
        verdicts = classify([j.ratio for j in judged], p_slower, p_faster,
                            [max(j.spreads) for j in judged], [j.min_p for j in judged], rule)
        for judgement, adjusted, verdict in zip(judged, p_slower, verdicts):
            judgement.p_holm, judgement.verdict = float(adjusted), str(verdict)
    return judgements


# --- the command ----------------------------------------------------------------------------------

def fraction(value: str) -> float:
    """'10%' or '0.1' -> 0.1; a bare number of 1 or more is refused as ambiguous."""
    text = value.strip()
    try:
        number = float(text.removesuffix("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage like 10% or a fraction like "
                                         f"0.1, got {value!r}") from None
    if not 0 < number < 1:
        raise argparse.ArgumentTypeError(
            f"expected a percentage between 0% and 100% (e.g. 10% or 0.1), got {value!r}")
    return number


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m suite.tools.gate",
        description="Fail (exit 1) when the candidate run is significantly slower than the "
        "baseline run on some benchmark. A benchmark fails when its median time grows by more "
        "than --max-slowdown AND a one-sided Mann-Whitney U test on the per-round timings, "
        "Holm-corrected over the file, is significant at --alpha. A true slowdown equal to "
        "--max-slowdown is caught only about half the time: set it to about half the slowdown "
        "you must catch. With the default 5%, the self-test catches an injected 10% slowdown in "
        ">= 98% of simulated files and false-alarms on <= 0.6% of unchanged benchmarks.",
        epilog="Exit status: 0 no regression; 1 regression (or too noisy with --fail-on-noise); "
        "2 usage error, unusable file, no benchmarks in common or none judged, or environments "
        "that differ in hardware or threads (without --allow-env-mismatch). The module docstring "
        "(python -c 'import suite.tools.gate; help(suite.tools.gate)') explains the rule and its limits.",
    )
    parser.add_argument("baseline", help="benchmark result file of the reference run")
    parser.add_argument("candidate", help="benchmark result file of the run under test")
    parser.add_argument("--max-slowdown", type=fraction, default=Rule.max_slowdown,
                        metavar="PERCENT",
                        help="slowdown of the median that a significant change must exceed to "
                        "fail (default 5%%)")
    parser.add_argument("--alpha", type=float, default=Rule.alpha,
                        help="family-wise significance level over all benchmarks, Holm's "
                        "method (default 0.01)")
    parser.add_argument("--max-noise", type=fraction, default=Rule.max_noise, metavar="PERCENT",
                        help="IQR/median of a run's rounds above which a benchmark is too noisy "
                        "to judge at --max-slowdown (default 10%%); its threshold then widens "
                        "by its spread")
    parser.add_argument("--allow-env-mismatch", action="store_true",
                        help="judge even when CPU, device models, threads or a benchmark's "
                        "workload differ (software versions never need this)")
    parser.add_argument("--fail-on-noise", action="store_true",
                        help="exit 1 also when a benchmark is too noisy to judge")
    parser.add_argument("--count-threshold", type=fraction, default=countgate.DEFAULT_THRESHOLD,
                        metavar="PERCENT",
                        help="counts files only: the growth of a workload's median instruction "
                        "count that fails, and the largest spread of its repeats that can be "
                        "judged (default 1%%; see suite/tools/countgate.py)")
    args = parser.parse_args(argv)
    if not 0 < args.alpha < 1:
        parser.error(f"--alpha must be between 0 and 1, got {args.alpha}")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    rule = Rule(args.max_slowdown, args.alpha, args.max_noise)
    paths = [Path(args.baseline), Path(args.candidate)]
    try:  # each file is read and validated once, whichever kind it is
        documents = [results.read(path) for path in paths]
    except results.ResultError as error:
        return fail(str(error))
    counted = [document["kind"] == countgate.KIND for document in documents]
    if all(counted):
        return countgate.run(*documents, (args.baseline, args.candidate), args.count_threshold,
                             args.allow_env_mismatch, args.fail_on_noise)
    if any(counted):
        return fail("one file holds instruction counts and the other timings: the gate compares "
                    "two counts files or two benchmark files")
    try:
        baseline, candidate = (benchfiles.run_of(document, path, label) for document, path, label
                               in zip(documents, paths, benchfiles.unique_labels(paths)))
    except BenchFileError as error:
        return fail(str(error))
    common = [name for name in baseline.benchmarks if name in candidate.benchmarks]
    if not common:
        return fail(f"{baseline.label} and {candidate.label} have no benchmarks in common "
                    "(benchmarks are matched by fullname)")
    print(f"baseline:  {baseline.path}\ncandidate: {candidate.path}")
    print_environment(baseline, candidate)
    refused = "".join(f"\n  {line}" for line in refusals(baseline, candidate, common))
    if refused and not args.allow_env_mismatch:
        return fail(f"the runs differ in what their timings depend on:{refused}\nrefusing to "
                    "judge them; pass --allow-env-mismatch to compare anyway")
    if refused:
        warn(f"judging despite these differences (--allow-env-mismatch):{refused}")
    judgements = judge(baseline, candidate, common, rule)
    print()
    for line in benchfiles.table(*table_of(judgements)):
        print(line)
    report_warnings(judgements, baseline, candidate, rule)
    return summarize(judgements, rule, args.fail_on_noise)


def print_environment(baseline, candidate) -> None:
    differences = benchfiles.environment_differences([baseline, candidate])
    if not differences:
        print("environment: no differences")
        return
    print("environment differences:")
    rows = [[d.field, *d.values] for d in differences]
    for line in benchfiles.table(["field", "baseline", "candidate"], rows):
        print(f"  {line}")


def refusals(baseline, candidate, common) -> list:
    lines = [f"{d.field}: {d.values[0]} | {d.values[1]}"
             for d in benchfiles.invalidating_differences(baseline, candidate, common)]
    for name in common:
        differences = benchfiles.workload_differences(baseline.benchmarks[name],
                                                      candidate.benchmarks[name])
        if differences:
            lines.append(f"{name}: {', '.join(differences)}")
    return lines


def table_of(judgements) -> tuple:
    header = ["benchmark", "baseline", "candidate", "ratio", "p", "p (Holm)",
              "IQR/median", "verdict"]
    rows = []
    for j in judgements:
        if j.ratio is None:
            rows.append([j.fullname, "", "", "", "", "", "", j.verdict])
            continue
        rows.append([
            j.fullname, benchfiles.format_seconds(j.baseline_median),
            benchfiles.format_seconds(j.candidate_median),
            f"{j.ratio:.3f} ({100 * (j.ratio - 1):+.1f}%)", f"{j.p:.2g}", f"{j.p_holm:.2g}",
            f"{100 * j.spreads[0]:.1f}% | {100 * j.spreads[1]:.1f}%", j.verdict,
        ])
    return header, rows


def report_warnings(judgements, baseline, candidate, rule) -> None:
    for j in judgements:
        if j.verdict in (TOO_NOISY, REGRESSION_NOISY):
            warn(f"{j.fullname}: too noisy to judge a {100 * rule.max_slowdown:g}% slowdown: "
                 f"rounds spread {100 * j.spreads[0]:.0f}% | {100 * j.spreads[1]:.0f}% of the "
                 f"median (IQR/median, limit {100 * rule.max_noise:g}%; coefficient of variation "
                 f"{100 * j.cvs[0]:.0f}% | {100 * j.cvs[1]:.0f}%); rerun on a quieter machine")
        elif j.verdict == TOO_FEW_ROUNDS:
            warn(f"{j.fullname}: too few rounds for the U test to reach significance over "
                 f"{len(judgements)} benchmarks at alpha {rule.alpha:g}")
        elif j.verdict == NOT_TIMED:
            warn(f"{j.fullname}: not timed in one of the runs (benchmarks were disabled)")
        elif j.verdict == NOT_COMPARABLE:
            warn(f"{j.fullname}: units differ, not judged")
    missing = [name for name in baseline.benchmarks if name not in candidate.benchmarks]
    if missing:
        warn(f"{len(missing)} baseline benchmark(s) missing from the candidate, not judged: "
             + ", ".join(missing))
    new = [name for name in candidate.benchmarks if name not in baseline.benchmarks]
    if new:
        print(f"{len(new)} benchmark(s) only in the candidate: {', '.join(new)}")


def summarize(judgements, rule, fail_on_noise: bool) -> int:
    counts = {}
    for j in judgements:
        counts[j.verdict] = counts.get(j.verdict, 0) + 1
    print("\n" + ", ".join(f"{count} {verdict}" for verdict, count in counts.items())
          + f" (max slowdown {100 * rule.max_slowdown:g}%, alpha {rule.alpha:g} Holm)")
    ratios = [j.ratio for j in judgements if j.ratio is not None]
    if len(ratios) > 1:
        print(f"median ratio over the {len(ratios)} benchmarks judged: {np.median(ratios):.3f} "
              "(a shift shared by all points at the machine, or at a change that slows all)")
    failed = any(j.verdict in FAILING for j in judgements)
    noisy = fail_on_noise and any(j.verdict == TOO_NOISY for j in judgements)
    if failed or noisy:
        print("gate: FAILED" + (" (too noisy, --fail-on-noise)" if noisy and not failed else ""))
        return 1
    if not any(j.verdict in JUDGED for j in judgements):
        print("gate: nothing judged (no benchmark in common was timed in both runs, with enough "
              "rounds and the same unit)")
        return 2
    print("gate: passed")
    return 0






if __name__ == "__main__":
    sys.exit(main())
