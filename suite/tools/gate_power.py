"""The gate's power and false-alarm rate, measured: on generated timings (fixed seeds) and on
rounds the suite's harness recorded on a loaded 2-core VM (samples/bench_timings_loaded_vm.json).
`python -m suite.tools.figures` prints these figures; the README quotes that output, and
suite/selftest/test_gate.py checks both the bounds and that the README says what this computes.
"""

import itertools
import json
from functools import cache
from pathlib import Path

import numpy as np

from suite.tools import gate

RECORDED = Path(__file__).parent / "samples" / "bench_timings_loaded_vm.json"
DEFAULT_RULE = gate.Rule()
# (seed, noise) of the two generated studies: the U test's own assumptions, then drift
# (tuples: the figures are cached by study)
INDEPENDENT = (1, (("sigma", 0.03), ("phi", 0.0), ("outliers", 0.02), ("run_offset", 0.0)))
DRIFTING = (2, (("sigma", 0.03), ("phi", 0.3), ("outliers", 0.02), ("run_offset", 0.01)))


def generated_runs(rng, shape, rounds, *, sigma, phi, outliers, run_offset, slowdown=0.0):
    """Seconds per call of `shape` runs: lognormal noise of log-sd `sigma`, AR(1) correlation
    `phi` between consecutive rounds, a fraction `outliers` of rounds 1.5-3x longer (a
    neighbour, a page fault), and a per-run offset of log-sd `run_offset` (another process,
    another moment: what no statistic of one run can see)."""
    steps = rng.normal(0, sigma * np.sqrt(1 - phi**2), (*shape, rounds))
    log_times = np.empty_like(steps)
    log_times[..., 0] = rng.normal(0, sigma, shape)
    for i in range(1, rounds):
        log_times[..., i] = phi * log_times[..., i - 1] + steps[..., i]
    log_times += rng.normal(0, run_offset, (*shape, 1)) + np.log1p(slowdown)
    hit = rng.random(log_times.shape) < outliers
    return 1e-3 * np.exp(log_times) * np.where(hit, rng.uniform(1.5, 3.0, log_times.shape), 1.0)


def verdicts(baseline, candidate, rule=DEFAULT_RULE):
    """The gate's verdicts for arrays of files: shape (files, benchmarks, rounds)."""
    ratio, p_slower, p_faster = gate.slowdown_statistics(baseline, candidate)
    noise = np.maximum(gate.spread(baseline), gate.spread(candidate))
    min_p = gate.smallest_p(baseline.shape[-1], candidate.shape[-1])
    return gate.classify(ratio, gate.holm(p_slower), gate.holm(p_faster), noise, min_p, rule)


@cache
def power_figures(study, *, files=1000, benchmarks=20, rounds=20) -> dict:
    """A/A: `files` pairs of unchanged files of `benchmarks` benchmarks each. Detection: in each
    file, benchmark 0 of the candidate is replaced by one 10 % slower; caught = it fails."""
    seed, noise = study
    noise = dict(noise)
    rng = np.random.default_rng(seed)
    baseline = generated_runs(rng, (files, benchmarks), rounds, **noise)
    candidate = generated_runs(rng, (files, benchmarks), rounds, **noise)
    alarms = np.isin(verdicts(baseline, candidate), gate.FAILING)
    candidate[:, 0] = generated_runs(rng, (files,), rounds, slowdown=0.10, **noise)
    caught = np.isin(verdicts(baseline, candidate)[:, 0], gate.FAILING)
    return {"per_benchmark_false_alarms": float(alarms.mean()),
            "per_file_false_alarms": float(alarms.any(axis=1).mean()),
            "detection": float(caught.mean())}


def recorded() -> dict:
    """{fullname: [rounds of one process, ...]} in seconds per call."""
    document = json.loads(RECORDED.read_text())
    return {name: [np.array(run) * 1e-6 for run in entry["runs_us_per_call"]]
            for name, entry in document["benchmarks"].items()}


def bootstrap_verdicts(rng, rounds, slowdown, trials=250):
    """A/A pairs resampled from one recorded run (real noise and outliers, order lost)."""
    baseline = rng.choice(rounds, (trials, 1, len(rounds)))
    candidate = rng.choice(rounds, (trials, 1, len(rounds))) * (1 + slowdown)
    return verdicts(baseline, candidate)[:, 0]


@cache
def resampled_figures() -> dict:
    """Resampled A/A pairs and 10 % slowdowns of every recorded run; `noisy_slowdown_verdicts`
    are the verdicts given to slowdowns in the runs the gate calls too noisy."""
    rng = np.random.default_rng(3)
    figures = {"alarms": 0, "trials": 0, "caught": 0, "quiet_trials": 0}
    noisy_verdicts = set()
    for runs in recorded().values():
        for rounds in runs:
            figures["alarms"] += int(np.isin(bootstrap_verdicts(rng, rounds, 0.0), gate.FAILING).sum())
            slowed = bootstrap_verdicts(rng, rounds, 0.10)
            figures["trials"] += len(slowed)
            if gate.spread(rounds) <= gate.Rule.max_noise:
                figures["caught"] += int(np.isin(slowed, gate.FAILING).sum())
                figures["quiet_trials"] += len(slowed)
            else:
                noisy_verdicts |= {str(verdict) for verdict in slowed}
    figures["noisy_slowdown_verdicts"] = sorted(noisy_verdicts)
    return figures


@cache
def process_pair_figures() -> dict:
    """A/A between the recorded runs themselves (separate processes on a loaded machine, the
    run-to-run shifts resampling cannot show): {verdict: count} over the ordered pairs."""
    counts = {}
    for runs in recorded().values():
        for baseline, candidate in itertools.permutations(runs, 2):
            verdict = str(verdicts(baseline[None, None, :], candidate[None, None, :])[0, 0])
            counts[verdict] = counts.get(verdict, 0) + 1
    return counts
