"""The interleaved A/B comparison (python -m suite.tools.ab): the order of the processes, the
paired test and its interval on generated pairs (a planted ratio is found, an A/A sample is
not), the verdict's thresholds, the selection, the planted slowdown, the result file against
the schema, bad input, and one tiny run end to end (2 pairs of one cheap benchmark, in this
process but for its four measuring processes)."""

import os
import sys
import time
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from suite import ROOT
from suite.tools import ab, ab_power, ab_worker, results

CHEAP = "test_matmul[cpu-float32-256]"
RULE = ab.Rule()


# --- the order of the processes -------------------------------------------------------------

def test_alternate_order_swaps_the_first_side_every_pair():
    assert ab.pair_orders(5, "alternate") == ["AB", "BA", "AB", "BA", "AB"]


@pytest.mark.parametrize("pairs", [2, 7, 12])
def test_random_order_is_balanced_and_seeded(pairs):
    orders = ab.pair_orders(pairs, "random", seed=3)
    assert sorted(orders) == sorted(ab.pair_orders(pairs, "alternate"))
    assert orders == ab.pair_orders(pairs, "random", seed=3)
    shuffles = {tuple(ab.pair_orders(12, "random", seed=seed)) for seed in range(10)}
    assert len(shuffles) > 1


def test_slices_alternate_within_a_pair():
    assert ab.slice_orders("AB", 4) == ["AB", "BA", "AB", "BA"]
    assert ab.slice_orders("BA", 3) == ["BA", "AB", "BA"]


class FakeWorker:
    """A measuring process that answers at once: B's calls last 1.1 times A's."""

    log = []

    def __init__(self, side, patterns, options, timeout_s):
        self.name = side.name
        self.log.append(f"start {side.name}")

    def answer(self):
        return {"environment": {"torch": self.name, "python": "3", "git_commit": None},
                "benchmarks": [CHEAP], "selected": [CHEAP]}

    def ask(self, command):
        self.log.append(self.name)
        return {"rounds": [1.0 if self.name == "A" else 1.1] * 3}

    def close(self, kill=False):
        self.log.append(f"end {self.name}")


def test_the_pairs_and_slices_run_in_the_given_order(monkeypatch, capsys):
    FakeWorker.log = []
    monkeypatch.setattr(ab, "Worker", FakeWorker)
    sides = {name: ab.Side(name, Path(sys.executable), ROOT) for name in "AB"}
    environments, judgements = ab.measure_pairs(sides, [CHEAP], ["AB", "BA"], {}, 10, slices=2,
                                                budget_s=0.2)
    assert FakeWorker.log == ["start A", "start B", "A", "B", "B", "A", "end A", "end B",
                              "start B", "start A", "B", "A", "A", "B", "end B", "end A"]
    assert environments["B"]["torch"] == "B"
    [j] = judgements
    assert j.a_seconds == [1.0, 1.0] and np.allclose(j.ratios, 1.1)
    assert len(j.a_rounds[0]) == 6  # two slices of three rounds
    assert j.a_turn_minima == [[1.0, 1.0], [1.0, 1.0]]
    assert "pair 2/2 (BA): B/A 1.100" in capsys.readouterr().out


class DisturbedWorker(FakeWorker):
    """Every turn has one undisturbed round (1.0; B: 1.1) among stretched ones; one turn in
    three has none (all stretched 3x)."""

    turns = 0

    def ask(self, command):
        DisturbedWorker.turns += 1
        base = 1.0 if self.name == "A" else 1.1
        if self.turns % 3 == 0:
            return {"rounds": [3 * base] * 3}
        return {"rounds": [2 * base, base, 1.5 * base]}


def test_a_process_figure_is_the_median_of_its_turns_fastest_rounds(monkeypatch, capsys):
    monkeypatch.setattr(ab, "Worker", DisturbedWorker)
    sides = {name: ab.Side(name, Path(sys.executable), ROOT) for name in "AB"}
    _, [j] = ab.measure_pairs(sides, [CHEAP], ["AB", "BA"], {}, 10, slices=8, budget_s=0.2)
    assert j.a_seconds == [1.0, 1.0] and np.allclose(j.ratios, 1.1)
    assert max(j.a_turn_minima[0]) == 3.0  # the disturbed turns are recorded, not used


def test_sides_that_select_different_benchmarks_are_refused():
    ready = {"A": {"selected": [CHEAP, "x"]}, "B": {"selected": [CHEAP, "y"]}}
    with pytest.raises(ab.ABError, match="only on side A: x; only on side B: y"):
        ab.same_selection(ready)


# --- the statistics on generated pairs ----------------------------------------------------------

def generated_pairs(rng, pairs, ratio=1.0, sigma=0.03, drift=0.2):
    """Seconds per call of A and B: a drift shared by the two processes of a pair (the
    machine's weather), and each process's own lognormal noise."""
    weather = np.exp(rng.normal(0, drift, pairs))
    a = 1e-3 * weather * np.exp(rng.normal(0, sigma, pairs))
    b = 1e-3 * ratio * weather * np.exp(rng.normal(0, sigma, pairs))
    return a, b


def judged(rng, pairs, ratios, **noise):
    judgements = [ab.Judgement(f"bench{i}", *generated_pairs(rng, pairs, ratio, **noise))
                  for i, ratio in enumerate(ratios)]
    return ab.judge(judgements, RULE)


@pytest.mark.parametrize("ratio, verdict", [(1.10, ab.SLOWER), (1 / 1.10, ab.FASTER)])
def test_a_planted_ratio_is_detected(ratio, verdict):
    j = judged(np.random.default_rng(1), 10, [ratio, 1.0, 1.0])
    assert j[0].verdict == verdict
    assert j[0].ci_low < ratio < j[0].ci_high
    assert j[0].p_holm < RULE.alpha


def test_a_planted_ratio_is_detected_despite_weather_larger_than_it():
    """The pairing is the point: a 20 % drift between pairs, a 10 % change inside them."""
    rng = np.random.default_rng(2)
    caught = [judged(rng, 10, [1.10])[0].verdict == ab.SLOWER for _ in range(50)]
    assert sum(caught) >= 45


def test_an_aa_sample_is_not_called_changed():
    rng = np.random.default_rng(3)
    runs = [judged(rng, 10, [1.0, 1.0, 1.0]) for _ in range(60)]
    alarms = sum(any(j.verdict in ab.CHANGED for j in run) for run in runs)
    same = sum(j.verdict == ab.SAME for run in runs for j in run)
    assert alarms <= 1
    assert same >= 120  # 3 % process noise, 10 pairs: most intervals sit inside +-5 %


def test_noise_larger_than_the_threshold_is_unstable_not_same():
    rng = np.random.default_rng(4)
    verdicts = [j.verdict for _ in range(20) for j in judged(rng, 10, [1.0], sigma=0.15)]
    assert verdicts.count(ab.UNSTABLE) >= 17


def test_interval_and_test_on_a_worked_example():
    a = np.ones(8)
    b = np.array([1.02, 1.04, 1.06, 1.08, 1.10, 1.12, 1.14, 1.16])
    ratio, low, high, p = ab.paired_statistics(a, b, 0.95)
    assert ratio == pytest.approx(np.sqrt(1.08 * 1.10), rel=1e-12)  # median of the log-ratios
    assert 1.02 <= low < ratio < high <= 1.16
    assert p == pytest.approx(2 / 2**8)  # every pair slower: Wilcoxon's smallest p
    assert ab.paired_statistics(a, a, 0.95) == (1.0, 1.0, 1.0, 1.0)
    assert ab.paired_statistics(a[:1], b[:1], 0.95)[3] == 1.0


@pytest.mark.parametrize("benchmarks, alpha", [(1, 0.05), (5, 0.05), (3, 0.01)])
def test_pairs_needed_is_the_fewest_that_can_be_significant(benchmarks, alpha):
    def smallest_p(pairs):
        return stats.wilcoxon(np.arange(1, pairs + 1, dtype=float)).pvalue * benchmarks

    needed = ab.pairs_needed(benchmarks, alpha)
    assert smallest_p(needed) < alpha <= smallest_p(needed - 1)


# --- the verdict's thresholds -----------------------------------------------------------------

@pytest.mark.parametrize("ratio, low, high, p, verdict", [
    (1.10, 1.07, 1.13, 0.001, ab.SLOWER),
    (1.10, 1.07, 1.13, 0.2, ab.UNSTABLE),  # not significant
    (1.04, 1.01, 1.07, 0.001, ab.UNSTABLE),  # significant, below the threshold, CI beyond it
    (1.06, 0.99, 1.12, 0.001, ab.UNSTABLE),  # the interval reaches 1
    (1.03, 1.01, 1.045, 0.001, ab.SAME),  # a real but small change is "same"
    (1.00, 1 / 1.05, 1.05, 0.9, ab.SAME),  # the band's edges belong to it
    (0.90, 0.88, 0.93, 0.001, ab.FASTER),
    (0.96, 0.93, 0.99, 0.001, ab.UNSTABLE),
])
def test_verdict_thresholds(ratio, low, high, p, verdict):
    assert ab.classify(ratio, low, high, p, RULE) == verdict


def test_a_wider_threshold_makes_a_change_same():
    assert ab.classify(1.10, 1.07, 1.13, 0.001, ab.Rule(threshold=0.15)) == ab.SAME


# --- the selection and the planted slowdown (the measuring process's own functions) -----------

NAMES = ["test_matmul[cpu-float32-256]", "test_matmul[cpu-float32-1024]",
         "test_conv2d[cpu-forward-net_conv2]", "test_dataloader[cpu-workers0]"]


@pytest.mark.parametrize("patterns, chosen", [
    (["test_matmul[cpu-float32-256]"], [0]),  # brackets are literal, not a character class
    (["test_matmul*"], [0, 1]),
    (["*workers?]", "*net_conv2*"], [2, 3]),
])
def test_selection(patterns, chosen):
    assert ab_worker.resolve(patterns, NAMES) == [NAMES[i] for i in chosen]


def test_a_selection_matching_nothing_is_refused():
    with pytest.raises(ab_worker.CannotRun, match="'test_matmul\\[c\\]' matches none of the 4"):
        ab_worker.resolve(["test_matmul*", "test_matmul[c]"], NAMES)


def test_the_planted_slowdown_stretches_every_call():
    def sleep():
        time.sleep(0.01)

    for plant in (0.0, 0.5):
        call = ab_worker.planted_call(sleep, lambda: None, plant)
        start = time.perf_counter()
        call()
        assert time.perf_counter() - start >= 0.01 * (1 + plant)


def test_the_catalog_has_the_benchmarks_pytest_names():
    import torch
    from suite.benchmarks import workloads

    names = ab_worker.catalog(torch, workloads, torch.device("cpu"))
    assert set(ab.DEFAULT_BENCHMARKS) <= set(names)
    assert "test_conv2d[cpu-forward_backward-mymodel_conv2]" in names


# --- the result file ---------------------------------------------------------------------------

@cache
def environment_record():
    from suite import environment

    return environment.collect()


def document(tmp_path, ratio=1.0, plant=0.0, pairs=8, seed=0):
    rng = np.random.default_rng(seed)
    judgements = []
    for name in (CHEAP, "test_conv2d[cpu-forward-net_conv2]"):
        a, b = generated_pairs(rng, pairs, ratio)
        j = ab.Judgement(name, a.tolist(), b.tolist())
        j.a_rounds = [(x * rng.uniform(0.95, 1.05, 30)).tolist() for x in a]
        j.b_rounds = [(x * rng.uniform(0.95, 1.05, 30)).tolist() for x in b]
        j.a_turn_minima = [(x * rng.uniform(1.0, 1.02, 20)).tolist() for x in a]
        j.b_turn_minima = [(x * rng.uniform(1.0, 1.02, 20)).tolist() for x in b]
        judgements.append(j)
    ab.judge(judgements, RULE)
    env = environment_record()
    sides = {"A": ab.Side("A", Path(sys.executable), ROOT),
             "B": ab.Side("B", Path(sys.executable), ROOT, plant)}
    settings = {"pairs": pairs, "order": "alternate", "seed": None, "threshold": 0.05,
                "alpha": 0.05, "confidence": 0.95, "threads": 1, "budget_s": 0.2, "slices": 20,
                "clock": "wall", "device": "cpu", "bootstrap_resamples": ab.BOOTSTRAP_RESAMPLES,
                "pin_cpu": None}
    return ab.document_of(
        created=datetime(2026, 12, 2, 3, seed, tzinfo=timezone.utc), sides=sides,
        environments={"A": env, "B": env}, judgements=judgements,
        orders=ab.pair_orders(pairs, "alternate"), settings=settings, command=["--pairs", "8"],
        duration_s=1.0, exit_code=0, png=None)


def test_a_result_document_follows_the_schema(tmp_path):
    path = results.write(document(tmp_path), tmp_path)
    assert path.name.startswith("ab_") and results.read(path)["kind"] == "ab"


@pytest.mark.parametrize("change, where", [
    (lambda d: d["benchmarks"][0].update(verdict="regression"), "benchmarks/0/verdict"),
    (lambda d: d["sides"].pop(), "sides"),
    (lambda d: d["settings"].pop("threshold"), "settings"),
    (lambda d: d.update(extra=1), "top level"),
])
def test_the_schema_refuses_a_malformed_result(tmp_path, change, where):
    doc = document(tmp_path)
    change(doc)
    with pytest.raises(results.ResultError, match=where):
        results.validate(doc)


def test_power_summary_counts_alarms_catches_and_the_gates_verdicts(tmp_path):
    for seed in range(3):
        results.write(document(tmp_path, seed=seed), tmp_path)
    for seed in range(3, 5):
        results.write(document(tmp_path, ratio=1.10, plant=0.1, seed=seed), tmp_path)
    lines = ab_power.summary_lines(ab_power.load_runs(tmp_path))
    assert lines[0].startswith("A/B, A/A runs: 0 of 3 runs with a false alarm")
    assert lines[1].startswith("separate-runs gate on the same A/A processes, A against B")
    assert "of 24 fail" in lines[1] and "of 21 fail" in lines[2]  # 3 runs of 8 pairs
    assert lines[3].startswith("A/B, planted 10 % slowdown in B: caught in 2 of 2 runs")


# --- the command: bad input (in this process, but for the measuring processes), then a tiny run

def run_ab(capsys, *args) -> tuple:
    """(exit status, stdout, stderr) of python -m suite.tools.ab; argparse's usage errors
    included."""
    try:
        code = ab.main([str(arg) for arg in args])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(outcome, *fragments):
    code, _, err = outcome
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0]


def no_torch_python(tmp_path) -> Path:
    """An interpreter whose `import torch` fails: this one, with a broken torch first on its
    path (cheap: the real torch is never imported)."""
    fake = tmp_path / "fake_site" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no torch in this environment')\n")
    python = tmp_path / "python-without-torch"
    python.write_text(f"#!/bin/sh\nPYTHONPATH={fake.parent} exec {sys.executable} \"$@\"\n")
    python.chmod(0o755)
    return python


def test_a_side_that_cannot_import_torch_is_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    outcome = run_ab(capsys, "--python-a", no_torch_python(tmp_path), "--results-dir", out,
                     "--pairs", 2, "--bench", CHEAP)
    assert_one_line_error(outcome, "side A", "cannot import torch", "no torch in this environment")
    assert not any(out.iterdir())


def test_a_missing_checkout_is_one_line(tmp_path, capsys):
    outcome = run_ab(capsys, "--checkout-b", tmp_path / "nowhere", "--results-dir", tmp_path / "out")
    assert_one_line_error(outcome, "side B", "nowhere", "is not a directory")
    assert not (tmp_path / "out").exists()
    outcome = run_ab(capsys, "--checkout-a", tmp_path, "--results-dir", tmp_path / "out")
    assert_one_line_error(outcome, "side A", "not a checkout of the suite")


def test_a_missing_interpreter_is_one_line(tmp_path, capsys):
    outcome = run_ab(capsys, "--python-a", tmp_path / "python9", "--results-dir", tmp_path)
    assert_one_line_error(outcome, "side A", "python9 is not an executable file")


def test_an_existing_chart_is_not_replaced(tmp_path, capsys):
    png = tmp_path / "chart.png"
    png.write_text("precious")
    assert_one_line_error(run_ab(capsys, "--png", png, "--results-dir", tmp_path),
                          "exists; not replaced")
    assert png.read_text() == "precious" and sorted(tmp_path.iterdir()) == [png]


def test_a_measuring_process_that_overruns_times_out_with_a_message(tmp_path, capsys):
    outcome = run_ab(capsys, "--timeout-s", 0.05, "--results-dir", tmp_path, "--no-png")
    assert_one_line_error(outcome, "side A", "did not answer within 0.05 s")
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("args, message", [
    (["--pairs", "1"], "--pairs must be at least 2"),
    (["--threshold", "5"], "expected a percentage"),
    (["--alpha", "1.5"], "--alpha must be between 0 and 1"),
    (["--png", "x.png", "--no-png"], "exclude each other"),
])
def test_bad_options_are_usage_errors(tmp_path, capsys, args, message):
    code, _, err = run_ab(capsys, *args, "--results-dir", tmp_path)
    assert code == 2 and message in err
    assert not any(tmp_path.iterdir())


class NoWorker:
    def __init__(self, *args):
        raise AssertionError("a measuring process was started")


def test_a_selection_matching_nothing_is_one_line(tmp_path, capsys, monkeypatch):
    """Resolved against this checkout's catalog before any measuring process starts."""
    monkeypatch.setattr(ab, "Worker", NoWorker)
    outcome = run_ab(capsys, "--bench", "test_nothing*", "--results-dir", tmp_path, "--pairs", 2)
    assert_one_line_error(outcome, "side A", "'test_nothing*' matches none of the")
    assert not any(tmp_path.iterdir())


def test_a_cpu_that_does_not_exist_is_one_line(tmp_path, capsys):
    """The measuring process pins itself before importing torch: this one exits at once."""
    outcome = run_ab(capsys, "--pin-cpu", 4096, "--bench", CHEAP, "--results-dir", tmp_path,
                     "--no-png")
    assert_one_line_error(outcome, "cannot run on CPU 4096")
    assert not any(tmp_path.iterdir())


def test_a_tiny_run_end_to_end(tmp_path, capsys):
    """2 pairs (4 fresh processes, pinned to one CPU) of the cheapest benchmark: the table, the
    chart and a result file that follows the schema and records both sides."""
    png = tmp_path / "ab.png"
    cpu = min(os.sched_getaffinity(0))
    code, out, err = run_ab(capsys, "--pairs", 2, "--bench", CHEAP, "--budget-s", 0.02,
                            "--slices", 2, "--pin-cpu", cpu, "--results-dir", tmp_path,
                            "--png", png)
    assert code == 0, err
    assert "A and B are the same environment: an A/A run" in out
    assert "pair 2/2 (BA)" in out
    assert "with 2 pairs no change in 1 benchmark(s) can be significant" in err
    [path] = tmp_path.glob("ab_*.json")
    doc = results.read(path)
    assert doc["orders"] == ["AB", "BA"] and doc["png"] == str(png)
    [bench] = doc["benchmarks"]
    assert bench["name"] == CHEAP and bench["verdict"] in (ab.SAME, ab.UNSTABLE)
    assert len(bench["a"]["rounds"]) == 2 and len(bench["a"]["rounds"][0]) >= ab_worker.MIN_ROUNDS
    assert [len(m) for m in bench["b"]["turn_minima"]] == [2, 2]
    assert doc["settings"]["pin_cpu"] == cpu
    assert [side["environment"]["torch_threads"] for side in doc["sides"]] == [1, 1]
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([png.name, path.name])


@pytest.mark.parametrize("choice, threads, cpu", [
    ("none", 1, None), (3, 1, 3), (3, 4, 3), ("auto", 4, None), ("auto", 1, max(os.sched_getaffinity(0))),
])
def test_the_pinned_cpu(choice, threads, cpu):
    assert ab.pinned_cpu(choice, threads) == cpu
