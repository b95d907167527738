"""Interleaved A/B timing: is B faster or slower than A, when both run on the same machine at
the same time, alternately?

    python -m suite.tools.ab [--python-a PY] [--python-b PY] [--checkout-a DIR] [--checkout-b DIR]
                             [--bench GLOB ...] [--pairs N] [--order alternate|random]
                             [--budget-s 0.2] [--slices 20] [--clock wall|cpu] [--threads 1]
                             [--pin-cpu N|auto|none]
                             [--threshold 5%] [--alpha 0.05] [--confidence 0.95]
                             [--results-dir DIR] [--png PATH | --no-png] [--list]

A side is an interpreter (a venv's or tox env's python: another torch) and a checkout of the
suite (another branch: its workloads and whatever torch code it patches); each defaults to
the interpreter and checkout running this command. Every pair starts one fresh process per
side (suite/tools/ab_worker.py: one import of torch; the two imports overlap), then times
each selected benchmark in turns: --slices turns per side of --budget-s / --slices seconds
(10 ms by default), alternating A B B A ... (one thread unless --threads; a warm-up before a
benchmark's first turn, a short one before each later turn; both processes on one CPU:
--pin-cpu, default auto, the last CPU this command may use). The first side alternates between pairs too (--order alternate; random: a shuffled,
balanced order), so that drift and a neighbour's job fall on both sides alike. A turn is a
few rounds of calls; a process's figure for a benchmark is the median over its turns of each
turn's fastest round, in seconds per call of --clock (wall: elapsed; cpu: the process's CPU
time). Why the fastest round of each short turn: on a shared machine a round is stretched
when the process loses its core or the core is slowed for a moment, never shortened, and
such moments last longer than a round; a turn's fastest round is the one that ran
undisturbed, and the median over many turns discards the turns in which none did.

The judgement, per benchmark, on the pairs' ratios B / A:
  - the estimate is the median ratio (the exponential of the median log-ratio);
  - its confidence interval (--confidence) is a bootstrap of that median
    (scipy.stats.bootstrap, percentile method, a fixed seed);
  - the paired test is Wilcoxon's signed-rank test on the log-ratios (scipy.stats.wilcoxon,
    two-sided), its p-values Holm-adjusted over the benchmarks of the run, so that --alpha is
    the chance that any benchmark of an A/A run is called changed by the test;
  - the verdict: "slower" when the estimate exceeds 1 + threshold, the interval lies above 1
    and the adjusted p is below alpha; "faster" the same way below 1 / (1 + threshold);
    "same" when the interval lies within [1 / (1 + threshold), 1 + threshold]; otherwise
    "unstable": neither a change nor its absence is shown (more pairs, or a quieter machine).
Wilcoxon's smallest two-sided p with n pairs is 2 / 2^n: with too few pairs for the number of
benchmarks nothing can be significant, and the command warns.

Exit status: 0 done; 1 some benchmark slower, with --fail-on-slower; 2 bad input (a side
whose python cannot import torch or the workloads, a missing checkout, a selection matching
nothing (refused before any measuring process starts where a side is this interpreter and
checkout), a --pin-cpu the processes cannot run on, an existing PNG), or a measuring process
that failed or timed out. Nothing is written unless the whole run completed.
"""

import argparse
import contextlib
import inspect
import json
import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats

import suite
from suite.tools import compare, results
from suite.tools.cli import fail, warn
from suite.tools.gate import fraction, holm

WORKER = Path(__file__).resolve().parent / "ab_worker.py"
ANSWER = "ANSWER "  # ab_worker.ANSWER: the prefix of the measuring process's answers
KIND = "ab"
SIDES = ("A", "B")
SLOWER, FASTER, SAME, UNSTABLE = "slower", "faster", "same", "unstable"
CHANGED = (SLOWER, FASTER)
DEFAULT_BENCHMARKS = (  # cheap, and each a different part of torch
    "test_matmul[cpu-float32-256]",
    "test_conv2d[cpu-forward-net_conv2]",
    "test_conv2d[cpu-forward_backward-conv1to6_28px]",
    "test_training_step[cpu-mlp_sgd-batch64]",
    "test_dataloader[cpu-workers0]",
)
DEFAULT_PAIRS = 10  # 8 can show a change in the default five benchmarks at alpha 0.05
DEFAULT_BUDGET_S = 0.2
DEFAULT_SLICES = 20  # turns of 10 ms: shorter than the machine's disturbances last
DEFAULT_PIN = "auto"  # one CPU for both sides: measured steadier (README)
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0


class ABError(Exception):
    """A run that cannot go on; the message is the one line the command prints."""


@dataclass(frozen=True)
class Rule:
    threshold: float = 0.05
    alpha: float = 0.05
    confidence: float = 0.95


@dataclass(frozen=True)
class Side:
    name: str  # "A" or "B"
    python: Path
    checkout: Path
    plant: float = 0.0  # the planted slowdown of the power measurement; 0 otherwise

    def describe(self) -> str:
        return f"side {self.name} ({self.python}, checkout {self.checkout})"


# --- the order of the processes ----------------------------------------------------------------

def pair_orders(pairs: int, order: str, seed: int | None = None) -> list:
    """One string per pair, "AB" or "BA": alternating, or a shuffled list with as many of each
    (one more "AB" for an odd count), so that neither side is favoured by going first."""
    orders = ["AB" if index % 2 == 0 else "BA" for index in range(pairs)]
    if order == "random":
        np.random.default_rng(seed).shuffle(orders)
    elif order != "alternate":
        raise ValueError(f"unknown order {order!r}")
    return orders


# --- the statistics ---------------------------------------------------------------------------

@dataclass
class Judgement:
    name: str
    a_seconds: list  # per pair: side A's median seconds per call
    b_seconds: list
    ratio: float = math.nan  # median of the pairs' B / A
    ci_low: float = math.nan
    ci_high: float = math.nan
    p: float = math.nan  # Wilcoxon signed-rank, two-sided
    p_holm: float = math.nan
    verdict: str = UNSTABLE
    a_rounds: list = field(default_factory=list)  # per pair: the process's rounds
    b_rounds: list = field(default_factory=list)
    a_turn_minima: list = field(default_factory=list)  # per pair: each turn's fastest round
    b_turn_minima: list = field(default_factory=list)

    @property
    def ratios(self) -> np.ndarray:
        return np.asarray(self.b_seconds, float) / np.asarray(self.a_seconds, float)


def bootstrap_rng_argument() -> dict:
    """scipy renamed bootstrap's random_state to rng in 1.15; older scipys know only the first."""
    generator = np.random.default_rng(BOOTSTRAP_SEED)
    if "rng" in inspect.signature(stats.bootstrap).parameters:
        return {"rng": generator}
    return {"random_state": generator}


def paired_statistics(a_seconds, b_seconds, confidence: float) -> tuple:
    """(median ratio B / A, CI low, CI high, Wilcoxon p) of the pairs."""
    logs = np.log(np.asarray(b_seconds, float)) - np.log(np.asarray(a_seconds, float))
    estimate = float(np.exp(np.median(logs)))
    if len(logs) < 2 or np.ptp(logs) == 0:
        low = high = estimate
    else:
        interval = stats.bootstrap((logs,), np.median, confidence_level=confidence,
                                   n_resamples=BOOTSTRAP_RESAMPLES, method="percentile",
                                   vectorized=True, **bootstrap_rng_argument()).confidence_interval
        low, high = float(np.exp(interval.low)), float(np.exp(interval.high))
    p = 1.0 if len(logs) < 2 or np.all(logs == 0) else float(stats.wilcoxon(logs).pvalue)
    return estimate, low, high, p


def classify(ratio, low, high, p_holm, rule: Rule):
    """The verdicts (arrays in, an array out; see the module docstring)."""
    ratio, low, high, p_holm = (np.asarray(x, float) for x in (ratio, low, high, p_holm))
    upper, lower = 1 + rule.threshold, 1 / (1 + rule.threshold)
    significant = p_holm < rule.alpha
    conditions = [significant & (low > 1) & (ratio > upper),
                  significant & (high < 1) & (ratio < lower),
                  (low >= lower) & (high <= upper)]
    return np.select(conditions, [SLOWER, FASTER, SAME], default=UNSTABLE)


def judge(judgements: list, rule: Rule) -> list:
    """Fill in each benchmark's statistics and verdict; Holm over the run's benchmarks."""
    for j in judgements:
        j.ratio, j.ci_low, j.ci_high, j.p = paired_statistics(j.a_seconds, j.b_seconds,
                                                              rule.confidence)
    adjusted = holm([j.p for j in judgements])
    verdicts = classify([j.ratio for j in judgements], [j.ci_low for j in judgements],
                        [j.ci_high for j in judgements], adjusted, rule)
    for j, p_holm, verdict in zip(judgements, adjusted, verdicts):
        j.p_holm, j.verdict = float(p_holm), str(verdict)
    return judgements


def pairs_needed(benchmarks: int, alpha: float) -> int:
    """The fewest pairs with which Wilcoxon's smallest p (2 / 2^n), Holm-adjusted over
    `benchmarks`, falls below alpha."""
    pairs = 1
    while 2 / 2**pairs * benchmarks >= alpha:
        pairs += 1
    return pairs


# --- the measuring processes ------------------------------------------------------------------

class Worker:
    """One fresh measuring process of a side (suite/tools/ab_worker.py), asked for timings one
    slice at a time; every wait has a deadline, and the process never outlives the run."""

    def __init__(self, side: Side, patterns, options: dict, timeout_s: float):
        self.side, self.timeout_s = side, timeout_s
        command = [str(side.python), str(WORKER), "--checkout", str(side.checkout),
                   "--threads", str(options["threads"]), "--device", options["device"],
                   "--plant", str(side.plant), "--clock", options["clock"]]
        if options.get("cpu") is not None:
            command += ["--cpu", str(options["cpu"])]
        for pattern in patterns:
            command += ["--bench", pattern]
        self.stderr = tempfile.TemporaryFile("w+")
        try:
            self.process = subprocess.Popen(command, cwd=side.checkout, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=self.stderr,
                                            text=True, bufsize=1)
        except OSError as error:
            self.stderr.close()
            raise ABError(f"{side.describe()}: cannot start {side.python}: "
                          f"{error.strerror or error}") from None
        self.lines = queue.Queue()
        threading.Thread(target=self.read_lines, daemon=True).start()

    def read_lines(self):
        for line in self.process.stdout:
            if line.startswith(ANSWER):
                self.lines.put(line[len(ANSWER):])
        self.lines.put(None)

    def answer(self) -> dict:
        try:
            line = self.lines.get(timeout=self.timeout_s)
        except queue.Empty:
            raise ABError(f"{self.side.describe()}: the measuring process did not answer within "
                          f"{self.timeout_s:g} s (--timeout-s)") from None
        if line is None:
            raise ABError(f"{self.side.describe()}: {self.failure()}")
        return json.loads(line)

    def failure(self) -> str:
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        self.stderr.seek(0)
        lines = [line for line in self.stderr.read().splitlines() if line.strip()]
        return lines[-1] if lines else f"the measuring process ended (exit status {code})"

    def ask(self, command: dict) -> dict:
        try:
            self.process.stdin.write(json.dumps(command) + "\n")
            self.process.stdin.flush()
        except OSError:
            raise ABError(f"{self.side.describe()}: {self.failure()}") from None
        return self.answer()

    def close(self, kill: bool = False):
        """End of input ends the process; `kill` (a run that failed) does not wait for it."""
        try:
            if kill:
                self.process.kill()
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            self.stderr.close()


@contextlib.contextmanager
def started(sides, order: str, patterns, options: dict, timeout_s: float):
    """Both sides' fresh processes, started in `order` (their imports of torch overlap), each
    having reported its environment and selection; killed on the way out if still running."""
    workers = {}
    try:
        for name in order:
            workers[name] = Worker(sides[name], patterns, options, timeout_s)
        ready = {name: workers[name].answer() for name in order}
        yield workers, ready
    except BaseException:
        for worker in workers.values():
            worker.close(kill=True)
        raise
    for worker in workers.values():
        worker.close()


def same_selection(ready: dict) -> list:
    a, b = ready["A"]["selected"], ready["B"]["selected"]
    if a != b:
        only = [f"only on side {side}: {', '.join(n for n in mine if n not in theirs)}"
                for side, mine, theirs in (("A", a, b), ("B", b, a)) if set(mine) - set(theirs)]
        raise ABError(f"the selection differs between the sides ({'; '.join(only)})")
    return a


def check_side(side: Side) -> None:
    if not side.checkout.is_dir():
        raise ABError(f"side {side.name}: checkout {side.checkout} is not a directory")
    if not (side.checkout / "suite" / "benchmarks" / "workloads.py").is_file():
        raise ABError(f"side {side.name}: {side.checkout} is not a checkout of the suite (no "
                      "suite/benchmarks/workloads.py)")
    if not (side.python.is_file() and os.access(side.python, os.X_OK)):
        raise ABError(f"side {side.name}: {side.python} is not an executable file")


def check_selection_here(sides, patterns, device: str) -> None:
    """A side that is this interpreter and checkout has this process's catalog: a selection
    matching nothing there is refused before any measuring process starts (other sides
    resolve it in their own process)."""
    here = [name for name, side in sides.items()
            if side.python == Path(sys.executable).absolute() and side.checkout == suite.ROOT]
    if not here:
        return
    from suite.tools import ab_worker

    try:
        import torch
        from suite.benchmarks import workloads

        names = list(ab_worker.catalog(torch, workloads, torch.device(device)))
        ab_worker.resolve(patterns, names)
    except ab_worker.CannotRun as error:
        raise ABError(f"side {here[0]}: {error}") from None
    except Exception:  # noqa: BLE001 - the side's own process reports it, in its words
        return


def slice_orders(order: str, slices: int) -> list:
    """Within a pair: the pair's order in the first slice, then swapped every slice."""
    return [order if index % 2 == 0 else order[::-1] for index in range(slices)]


def measure_pairs(sides: dict, patterns, orders: list, options: dict, timeout_s: float,
                  slices: int, budget_s: float, progress=print) -> tuple:
    """({side: environment record}, judgements with the timings filled in). Per pair, two
    fresh processes; per benchmark, `slices` turns each, alternating, of budget_s / slices;
    a process's figure: the median of its turns' fastest rounds."""
    environments, judgements = {}, None
    for index, order in enumerate(orders, 1):
        with started(sides, order, patterns, options, timeout_s) as (workers, ready):
            names = same_selection(ready)
            for name in order:
                environments.setdefault(name, ready[name]["environment"])
            if judgements is None:
                judgements = [Judgement(benchmark, [], []) for benchmark in names]
                print_sides(sides, environments)
            for j in judgements:
                rounds, minima = {"A": [], "B": []}, {"A": [], "B": []}
                for turn in slice_orders(order, slices):
                    for name in turn:
                        command = {"bench": j.name, "budget_s": budget_s / slices}
                        answer = workers[name].ask(command)["rounds"]
                        rounds[name] += answer
                        minima[name].append(min(answer))
                j.a_rounds.append(rounds["A"])
                j.b_rounds.append(rounds["B"])
                j.a_turn_minima.append(minima["A"])
                j.b_turn_minima.append(minima["B"])
                j.a_seconds.append(float(np.median(minima["A"])))
                j.b_seconds.append(float(np.median(minima["B"])))
        ratios = "  ".join(f"{j.b_seconds[-1] / j.a_seconds[-1]:.3f}" for j in judgements)
        progress(f"pair {index}/{len(orders)} ({order}): B/A {ratios}")
    return environments, judgements


# --- output -----------------------------------------------------------------------------------

def table_lines(judgements, rule: Rule) -> list:
    from suite.tools.benchfiles import format_seconds, table

    header = ["benchmark", "A (median)", "B (median)", "B/A", f"{rule.confidence:.0%} CI",
              "p (Holm)", "verdict"]
    rows = [[j.name, format_seconds(float(np.median(j.a_seconds))),
             format_seconds(float(np.median(j.b_seconds))),
             f"{j.ratio:.3f} ({100 * (j.ratio - 1):+.1f}%)", f"{j.ci_low:.3f}-{j.ci_high:.3f}",
             f"{j.p_holm:.2g}", j.verdict] for j in judgements]
    return table(header, rows)


VERDICT_COLOURS = {SLOWER: "tab:red", FASTER: "tab:green", SAME: "tab:blue", UNSTABLE: "tab:orange"}


def draw_chart(judgements, rule: Rule, title: str):
    """Per benchmark: every pair's ratio (dots), the median with its confidence interval (bar)
    in the verdict's colour, on the band the threshold calls "same"."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 1.6 + 0.5 * len(judgements)))
    axes = figure.add_subplot()
    axes.axvspan(1 / (1 + rule.threshold), 1 + rule.threshold, color="0.92",
                 label=f"same: within {rule.threshold:.0%}")
    axes.axvline(1.0, color="black", linewidth=0.8)
    for row, j in enumerate(judgements):
        ratios = j.ratios
        axes.scatter(ratios, row + np.linspace(-0.15, 0.15, len(ratios)), s=10, color="0.5",
                     zorder=2)
        axes.errorbar([j.ratio], [row], xerr=[[j.ratio - j.ci_low], [j.ci_high - j.ratio]],
                      fmt="o", capsize=4, color=VERDICT_COLOURS[j.verdict], zorder=3)
        axes.annotate(f"×{j.ratio:.3f} {j.verdict}", (j.ci_high, row), xytext=(6, 0),
                      textcoords="offset points", va="center", fontsize=7)
    axes.set_yticks(range(len(judgements)), [j.name for j in judgements], fontsize=7)
    axes.invert_yaxis()
    axes.margins(x=0.2)
    axes.set_xlabel(f"time per call, B / A: dots the pairs, bar the median and its "
                    f"{rule.confidence:.0%} CI (right of 1: B slower)")
    axes.set_title(title, fontsize=8)
    axes.legend(fontsize=7, loc="best")
    figure.tight_layout()
    return figure


def judgement_record(j: Judgement) -> dict:
    return {"name": j.name, "ratio": j.ratio, "ci_low": j.ci_low, "ci_high": j.ci_high,
            "p": j.p, "p_holm": j.p_holm, "verdict": j.verdict,
            "ratios": [float(r) for r in j.ratios],
            "a": {"seconds_per_call": j.a_seconds, "rounds": j.a_rounds,
                  "turn_minima": j.a_turn_minima},
            "b": {"seconds_per_call": j.b_seconds, "rounds": j.b_rounds,
                  "turn_minima": j.b_turn_minima}}


def document_of(*, created, sides, environments, judgements, orders, settings, command,
                duration_s, exit_code, png) -> dict:
    return {
        "schema_version": results.SCHEMA_VERSION, "kind": KIND,
        "created_utc": created.isoformat(),
        "environment": environments["A"],
        "run": {"command": command, "devices": [settings["device"].partition(":")[0]],
                "duration_s": duration_s, "exit_code": exit_code},
        "sides": [{"name": s.name, "python": str(s.python), "checkout": str(s.checkout),
                   "planted_slowdown": s.plant, "environment": environments[s.name]}
                  for s in sides.values()],
        "settings": settings, "orders": orders,
        "benchmarks": [judgement_record(j) for j in judgements],
        "png": None if png is None else str(png),
    }


# --- the command ------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m suite.tools.ab",
        description="Time benchmarks alternately in two environments (interpreters and/or "
        "checkouts), A B B A ... in fresh processes, and judge each benchmark's paired ratios "
        "B / A with Wilcoxon's signed-rank test and a bootstrap confidence interval: faster, "
        "slower, same or unstable.",
        epilog="Exit status: 0 done; 1 a benchmark slower (with --fail-on-slower); 2 bad input, "
        "or a measuring process that failed or timed out (nothing written then). The module "
        "docstring (python -c 'import suite.tools.ab; help(suite.tools.ab)') gives the rule.")
    for side in ("a", "b"):
        parser.add_argument(f"--python-{side}", type=Path, default=Path(sys.executable),
                            metavar="PYTHON", help=f"side {side.upper()}'s interpreter "
                            "(default: the one running this command)")
        parser.add_argument(f"--checkout-{side}", type=Path, default=suite.ROOT, metavar="DIR",
                            help=f"side {side.upper()}'s checkout of the suite (default: this "
                            "one)")
    parser.add_argument("--bench", action="append", metavar="GLOB",
                        help="benchmarks to time (fnmatch globs on names such as "
                        "'test_matmul[cpu-float32-256]'; repeatable; default: five cheap ones)")
    parser.add_argument("--list", action="store_true",
                        help="print the benchmarks both sides offer and exit")
    parser.add_argument("--pairs", type=int, default=DEFAULT_PAIRS,
                        help=f"number of A/B pairs of processes (default {DEFAULT_PAIRS})")
    parser.add_argument("--order", choices=("alternate", "random"), default="alternate",
                        help="AB, BA, AB, ... or a shuffled balanced order (default alternate)")
    parser.add_argument("--seed", type=int, help="seed of --order random")
    parser.add_argument("--threshold", type=fraction, default=Rule.threshold, metavar="PERCENT",
                        help="a change smaller than this is 'same' (default 5%%)")
    parser.add_argument("--alpha", type=float, default=Rule.alpha,
                        help="family-wise level of the Wilcoxon test, Holm over the benchmarks "
                        "(default 0.05)")
    parser.add_argument("--confidence", type=float, default=Rule.confidence,
                        help="level of the bootstrap interval (default 0.95)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch's intra-op threads in the measuring processes (default 1)")
    parser.add_argument("--budget-s", type=float, default=DEFAULT_BUDGET_S,
                        help="seconds of timed rounds per benchmark and process (default "
                        f"{DEFAULT_BUDGET_S:g})")
    parser.add_argument("--slices", type=int, default=DEFAULT_SLICES,
                        help="turns per benchmark and process: the sides alternate every "
                        f"budget-s / slices seconds (default {DEFAULT_SLICES})")
    parser.add_argument("--pin-cpu", type=cpu_choice, default=DEFAULT_PIN, metavar="N|auto|none",
                        help="run both sides' processes on CPU N only; auto: the last CPU this "
                        "command may use, with --threads 1; none: wherever the system puts them "
                        f"(default {DEFAULT_PIN})")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall: elapsed time (default); cpu: the process's CPU time, which "
                        "leaves out waiting for a core on a loaded machine")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"),
                        help="where the workloads run (default cpu)")
    parser.add_argument("--timeout-s", type=float, default=300,
                        help="limit for each answer of a measuring process: its start, or one "
                        "slice (default 300 s)")
    parser.add_argument("--results-dir", type=Path, help="where the result file goes "
                        "(default ./results)")
    parser.add_argument("--png", type=Path, metavar="PATH",
                        help="the chart (default: ab_<UTC time>.png in the results folder)")
    parser.add_argument("--no-png", action="store_true", help="write no chart")
    parser.add_argument("--fail-on-slower", action="store_true",
                        help="exit 1 when some benchmark is slower on side B")
    parser.add_argument("--plant-slowdown-b", type=fraction, default=0.0, metavar="PERCENT",
                        help="for measuring this tool's power only: make every timed call of "
                        "side B this much longer (a busy wait); recorded in the result file")
    args = parser.parse_args(argv)
    if args.pairs < 2:
        parser.error(f"--pairs must be at least 2, got {args.pairs}")
    for name in ("alpha", "confidence"):
        if not 0 < getattr(args, name) < 1:
            parser.error(f"--{name} must be between 0 and 1, got {getattr(args, name)}")
    for name in ("threads", "slices"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    for name in ("budget_s", "timeout_s"):
        if not getattr(args, name) > 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.png and args.no_png:
        parser.error("--png and --no-png exclude each other")
    return args


def cpu_choice(text: str):
    if text in ("auto", "none"):
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a CPU number, auto or none, got {text!r}") from None


def pinned_cpu(choice, threads: int):
    """The CPU both sides run on, or None."""
    if choice == "none" or (choice == "auto" and threads > 1):
        return None
    if choice == "auto":
        return max(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return choice


def sides_of(args) -> dict:
    return {
        "A": Side("A", args.python_a.absolute(), args.checkout_a.resolve()),
        "B": Side("B", args.python_b.absolute(), args.checkout_b.resolve(),
                  args.plant_slowdown_b),
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    try:
        return run(args, argv)
    except ABError as error:
        return fail(str(error))


def run(args, argv) -> int:
    started, created = time.perf_counter(), results.utc_now()
    sides = sides_of(args)
    for side in sides.values():
        check_side(side)
    args.pin_cpu = pinned_cpu(args.pin_cpu, args.threads)
    options = {"threads": args.threads, "device": args.device, "clock": args.clock,
               "cpu": args.pin_cpu}
    patterns = args.bench or DEFAULT_BENCHMARKS
    check_selection_here(sides, patterns, args.device)
    if args.list:
        return list_benchmarks(sides, patterns if args.bench else ["*"], options, args.timeout_s)
    directory = args.results_dir or results.results_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ABError(f"cannot create the results folder {directory}: {error}") from None
    png = None if args.no_png else args.png or directory / f"ab_{created:%Y%m%dT%H%M%SZ}.png"
    if png is not None:
        problem = compare.png_problem(png, False, explicit=args.png is not None)
        if problem:
            raise ABError(problem)
    rule = Rule(args.threshold, args.alpha, args.confidence)
    orders = pair_orders(args.pairs, args.order, args.seed)
    environments, judgements = measure_pairs(sides, patterns, orders, options, args.timeout_s,
                                             args.slices, args.budget_s)
    judge(judgements, rule)
    needed = pairs_needed(len(judgements), rule.alpha)
    if args.pairs < needed:
        warn(f"with {args.pairs} pairs no change in {len(judgements)} benchmark(s) can be "
             f"significant at alpha {rule.alpha:g} (Wilcoxon's smallest p is 2/2^n, Holm over "
             f"the benchmarks): use --pairs {needed} or more")
    print()
    for line in table_lines(judgements, rule):
        print(line)
    slower = any(j.verdict == SLOWER for j in judgements)
    exit_code = 1 if slower and args.fail_on_slower else 0
    settings = {"pairs": args.pairs, "order": args.order, "seed": args.seed,
                "threshold": rule.threshold, "alpha": rule.alpha, "confidence": rule.confidence,
                "threads": args.threads, "budget_s": args.budget_s, "slices": args.slices,
                "clock": args.clock, "device": args.device, "pin_cpu": args.pin_cpu,
                "bootstrap_resamples": BOOTSTRAP_RESAMPLES}
    document = document_of(
        created=created, sides=sides, environments=environments,
        judgements=judgements, orders=orders, settings=settings, command=argv,
        duration_s=time.perf_counter() - started, exit_code=exit_code, png=png)
    write_outputs(document, judgements, rule, png, directory)
    counts = {v: sum(j.verdict == v for j in judgements) for v in (SLOWER, FASTER, SAME, UNSTABLE)}
    print("\n" + ", ".join(f"{n} {v}" for v, n in counts.items() if n)
          + f" (threshold {rule.threshold:.0%}, alpha {rule.alpha:g} Holm, {args.pairs} pairs)")
    return exit_code


def list_benchmarks(sides, patterns, options, timeout_s) -> int:
    with started(sides, "AB", patterns, options, timeout_s) as (_, offered):
        pass
    b_names = set(offered["B"]["selected"])
    for name in offered["A"]["selected"]:
        print(name if name in b_names else f"{name}  (side A only)")
    for name in offered["B"]["selected"]:
        if name not in offered["A"]["selected"]:
            print(f"{name}  (side B only)")
    return 0


def print_sides(sides, environments) -> None:
    for name, side in sides.items():
        env = environments[name]
        planted = (f"  PLANTED SLOWDOWN {side.plant:.0%} (power measurement)" if side.plant
                   else "")
        print(f"{name}: torch {env['torch']} | python {env['python']} | {side.python} | "
              f"checkout {side.checkout} ({(env['git_commit'] or 'no commit')[:12]}){planted}")
    if (sides["A"].python == sides["B"].python and sides["A"].checkout == sides["B"].checkout
            and not sides["B"].plant):
        print("A and B are the same environment: an A/A run")


def write_outputs(document, judgements, rule, png, directory) -> None:
    """Validate first, then the chart, then the result file (each through a temporary file and
    a rename): an invalid document leaves nothing behind."""
    try:
        results.validate(document)
    except results.ResultError as error:
        raise ABError(f"the result would not be valid, nothing written: {error}") from None
    if png is not None:
        sides = document["sides"]
        title = (f"A: torch {sides[0]['environment']['torch']} ({sides[0]['checkout']})   "
                 f"B: torch {sides[1]['environment']['torch']} ({sides[1]['checkout']})   "
                 f"{document['settings']['pairs']} pairs")
        try:
            compare.save_png(draw_chart(judgements, rule, title), png, force=False)
        except FileExistsError:
            raise ABError(f"{png} appeared while the chart was drawn; not replaced") from None
        except OSError as error:
            raise ABError(f"could not write the chart {png}: {error}") from None
        print(f"\nchart: {png}")
    path = results.write(document, directory)
    print(f"result file: {path}")


if __name__ == "__main__":
    sys.exit(main())
