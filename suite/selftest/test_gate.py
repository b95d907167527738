"""The regression gate (python -m suite.tools.gate): its power and false-alarm rate on generated and on
recorded timings, its rule on hand-made cases, and the command on small files and bad input.

The figures the README quotes come from suite/tools/gate_power.py (`python -m suite.tools.figures`
prints them); every simulation uses a fixed seed, so they are reproducible.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from suite.tools import gate, gate_power
from suite import ROOT

DEFAULT_RULE = gate.Rule()

MATMUL = "suite/benchmarks/test_bench_matmul.py::test_matmul[cpu-float32-256]"
CONV = "suite/benchmarks/test_bench_conv.py::test_conv2d[cpu-forward-net_conv2]"

# --- benchmark result documents, built as suite/tools/schema.json describes them ------------

ENVIRONMENT = {
    "hostname": "bench-a", "os": "Linux-6.1-x86_64", "python": "3.11.9",
    "python_implementation": "cpython", "torch": "2.14.1", "torchvision": "0.29.1",
    "numpy": "2.4.6", "cuda_build": None, "cuda_available": False, "cudnn": None,
    "cpu_model": "Example CPU 9000", "cpu_count": 16, "memory_bytes": 64 * 2**30,
    "torch_threads": 8, "blas": "mkl",
    "devices": [{"name": "cpu", "model": "Example CPU 9000", "memory_bytes": 64 * 2**30}],
    "git_commit": "0123456789abcdef0123456789abcdef01234567",
}
GPU = {"name": "cuda:0", "model": "NVIDIA H100 80GB HBM3", "memory_bytes": 80 * 2**30}


def bench_entry(fullname, times, *, unit="GFLOP/s", work_per_call=0.5, device="cpu",
                threads=8, timed=True):
    """One pytest-benchmark entry with the suite's extra_info; stats computed from `times`."""
    times = np.asarray(times, dtype=float)
    q1, median, q3 = np.percentile(times, [25, 50, 75])
    name = fullname.rpartition("::")[2]
    param = name.partition("[")[2].rstrip("]") or None
    return {
        "group": None, "name": name, "fullname": fullname,
        "params": {"device": device.partition(":")[0]} if param else None, "param": param,
        "extra_info": {"unit": unit, "work_per_call": work_per_call,
                       "throughput": work_per_call / median if timed else None,
                       "device": device, "torch_threads": threads},
        "options": {"disable_gc": True, "timer": "perf_counter", "min_rounds": 20,
                    "max_time": 0.5, "min_time": 5e-06, "warmup": False},
        "stats": {
            "min": times.min(), "max": times.max(), "mean": times.mean(),
            "stddev": times.std(ddof=1) if len(times) > 1 else 0.0, "rounds": len(times),
            "median": median, "iqr": q3 - q1, "q1": q1, "q3": q3, "iqr_outliers": 0,
            "stddev_outliers": 0, "outliers": "0;0", "ld15iqr": times.min(),
            "hd15iqr": times.max(), "ops": 1 / times.mean(), "total": times.sum(),
            "iterations": 1, "data": times.tolist(),
        },
    }


def benchmark_document(entries, *, devices=None, **environment_changes):
    environment = {**ENVIRONMENT, **environment_changes}
    if devices is not None:
        environment["devices"] = devices
    return {
        "schema_version": 1, "kind": "benchmark", "created_utc": "2026-11-25T15:00:00+00:00",
        "environment": environment,
        "run": {"command": ["suite/benchmarks", "--benchmark-enable"], "devices": ["cpu"],
                "duration_s": 12.5, "exit_code": 0},
        "machine_info": {"node": environment["hostname"], "environment": environment},
        "commit_info": {"id": environment["git_commit"], "dirty": False},
        "benchmarks": entries, "datetime": "2026-11-25T15:00:12.000000+00:00",
        "version": "5.3.1",
    }


def conformance_document():
    return {
        "schema_version": 1, "kind": "conformance", "created_utc": "2026-11-25T15:00:00+00:00",
        "environment": ENVIRONMENT,
        "run": {"command": ["suite/conformance"], "devices": ["cpu"], "hypothesis_profile": "dev",
                "hypothesis_seed": "1", "duration_s": 1.0, "exit_code": 0},
        "summary": {"passed": 1, "failed": 0, "skipped": 0, "xfailed": 0, "xpassed": 0,
                    "error": 0, "not_run": []},
        "tests": [{"id": "suite/conformance/test_x.py::test_y[cpu]", "outcome": "passed",
                   "duration_s": 0.1, "reason": None, "device": "cpu"}],
    }


def write(path: Path, document) -> Path:
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def quiet_times(seed, slowdown=0.0, rounds=30, median=1e-3, sigma=0.01):
    """Rounds of a quiet benchmark: lognormal, 1 % spread."""
    rng = np.random.default_rng(seed)
    return median * (1 + slowdown) * np.exp(rng.normal(0, sigma, rounds))


def two_benchmark_file(path, seed, slowdown=0.0, **changes):
    return write(path, benchmark_document(
        [bench_entry(MATMUL, quiet_times(seed, slowdown)),
         bench_entry(CONV, quiet_times(seed + 100), unit="images/s", work_per_call=64.0)],
        **changes))


# --- power and false alarms (suite/tools/gate_power.py) ----------------------------------------

def test_power_when_rounds_are_independent():
    """The U test's own assumptions (independent rounds, no run-to-run offset), with outliers:
    Holm keeps false alarms of a whole 20-benchmark file under alpha = 1 %, and one 10 %
    slowdown among 20 benchmarks is caught in >= 95 % of 1000 files."""
    figures = gate_power.power_figures(gate_power.INDEPENDENT)
    assert figures["per_file_false_alarms"] <= 0.01, figures
    assert figures["detection"] >= 0.95, figures


def test_power_with_drifting_rounds_and_run_offsets():
    """Correlated rounds (AR(1) 0.3) and a 1 % run-to-run offset, which make the p-values
    optimistic: per benchmark, false alarms stay <= 1 % (20000 pairs) and a 10 % slowdown is
    caught >= 95 % (1000 files). Per file of 20 the false alarms add up: the ratio threshold,
    not alpha, bounds them, hence the docstring's advice to set --max-slowdown above the
    machine's run-to-run variation."""
    figures = gate_power.power_figures(gate_power.DRIFTING)
    assert figures["per_benchmark_false_alarms"] <= 0.01, figures
    assert figures["detection"] >= 0.95, figures
    assert figures["per_file_false_alarms"] <= 20 * figures["per_benchmark_false_alarms"]


def test_recorded_noise_gives_no_false_alarms_and_catches_slowdowns_in_quiet_runs():
    """On rounds recorded by the suite's harness on a loaded machine (IQR/median 3 % to 220 %):
    resampled A/A pairs fail <= 1 % (4000 pairs); a 10 % slowdown is caught >= 95 % in the runs
    the gate does not call too noisy; in the noisy runs a slowdown is never passed as "ok"."""
    figures = gate_power.resampled_figures()
    assert set(figures["noisy_slowdown_verdicts"]) <= {*gate.FAILING, gate.TOO_NOISY}, figures
    assert figures["alarms"] <= 0.01 * figures["trials"]
    assert figures["quiet_trials"] >= 500 and figures["caught"] >= 0.95 * figures["quiet_trials"]


def test_recorded_runs_of_separate_processes():
    """A/A between the recorded runs themselves: 112 ordered pairs. Most are flagged too noisy;
    the few that fail are the honest false-alarm rate of a loaded machine (README)."""
    counts = gate_power.process_pair_figures()
    pairs = sum(counts.values())
    failed = sum(counts.get(verdict, 0) for verdict in gate.FAILING)
    assert counts.get(gate.TOO_NOISY, 0) >= 0.9 * pairs
    assert failed <= 0.05 * pairs


def test_recorded_runs_split_in_halves_do_not_fail():
    """First half against second half of each recorded run: the drift within a real run stays
    inside the threshold or is reported as noise."""
    for name, runs in gate_power.recorded().items():
        for rounds in runs:
            half = len(rounds) // 2
            verdict = gate_power.verdicts(rounds[None, None, :half], rounds[None, None, half:])[0, 0]
            assert verdict not in gate.FAILING, (name, verdict)


# --- the rule on hand-made numbers ----------------------------------------------------------------

def test_holm_matches_the_step_down_by_hand():
    # sorted: 0.001*4, 0.01*3, 0.02*2 -> running max 0.004, 0.03, 0.04; then 0.5*1 -> 0.5
    assert np.allclose(gate.holm([0.01, 0.5, 0.001, 0.02]), [0.03, 0.5, 0.004, 0.04])
    assert np.allclose(gate.holm([[0.2, 0.9]]), [[0.4, 0.9]])


def test_smallest_p_is_one_over_the_number_of_orderings():
    """Exact U test, 5 rounds each: the most extreme of C(10, 5) = 252 equally likely orders."""
    assert gate.smallest_p(5, 5) == pytest.approx(1 / 252)


def test_spread_is_iqr_over_median():
    assert gate.spread([1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx((4 - 2) / 3)


@pytest.mark.parametrize(
    "ratio, p, noise, min_p, expected",
    [
        (1.20, 1e-6, 0.02, 1e-9, gate.REGRESSION),
        (1.04, 1e-9, 0.02, 1e-9, gate.OK),  # significant, but within the threshold
        (1.20, 0.02, 0.02, 1e-9, gate.SLOWER_NOT_SIGNIFICANT),
        (1.20, 1e-6, 0.30, 1e-9, gate.TOO_NOISY),  # within (1.05)(1.30) = 1.365
        (1.50, 1e-6, 0.30, 1e-9, gate.REGRESSION_NOISY),
        (1.20, 1 / 70, 0.02, 1 / 70, gate.TOO_FEW_ROUNDS),  # 4 + 4 rounds: at best p = 1/70
        (0.80, 0.9, 0.02, 1e-9, gate.FASTER),
    ],
    ids=["regression", "within-threshold", "not-significant", "noisy", "noisy-but-gross",
         "too-few-rounds", "faster"],
)
def test_classify(ratio, p, noise, min_p, expected):
    """Two benchmarks in the file (the second unchanged), so alpha / family = 0.005."""
    p_faster = 1e-6 if ratio < 1 else 1.0
    verdict = gate.classify([ratio, 1.0], [p, 1.0], [p_faster, 1.0], [noise, 0.0], min_p,
                            gate.Rule(0.05, 0.01, 0.10))
    assert verdict[0] == expected


# --- the command ----------------------------------------------------------------------------------

def run_gate(capsys, *argv):
    code = gate.main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_a_run_against_itself_passes(tmp_path, capsys):
    path = two_benchmark_file(tmp_path / "a.json", seed=1)
    code, out, _ = run_gate(capsys, path, path)
    assert code == 0 and "gate: passed" in out
    assert "environment: no differences" in out
    rows = [line for line in out.splitlines() if line.startswith("suite/benchmarks/")]
    assert len(rows) == 2 and all(row.endswith(" ok") for row in rows)
    assert "1.000 (+0.0%)" in rows[0]


def test_a_20_percent_slowdown_fails_with_ratio_p_and_verdict(tmp_path, capsys):
    baseline = two_benchmark_file(tmp_path / "base.json", seed=1)
    candidate = two_benchmark_file(tmp_path / "cand.json", seed=2, slowdown=0.20)
    code, out, _ = run_gate(capsys, baseline, candidate)
    assert code == 1 and "gate: FAILED" in out
    [row] = [line for line in out.splitlines() if line.startswith(MATMUL)]
    assert "REGRESSION" in row and "(+" in row and "p (Holm)" in out


def test_a_slowdown_below_the_threshold_passes(tmp_path, capsys):
    baseline = two_benchmark_file(tmp_path / "base.json", seed=1)
    candidate = two_benchmark_file(tmp_path / "cand.json", seed=2, slowdown=0.20)
    code, out, _ = run_gate(capsys, baseline, candidate, "--max-slowdown", "30%")
    assert code == 0, out


def test_a_noisy_run_is_reported_and_fails_only_on_request(tmp_path, capsys):
    rng = np.random.default_rng(5)
    noisy = 1e-3 * np.exp(rng.normal(0, 0.3, 30))
    baseline = write(tmp_path / "base.json", benchmark_document([bench_entry(MATMUL, noisy)]))
    candidate = write(tmp_path / "cand.json",
                      benchmark_document([bench_entry(MATMUL, rng.permutation(noisy) * 1.1)]))
    code, out, err = run_gate(capsys, baseline, candidate)
    assert code == 0 and gate.TOO_NOISY in out
    assert "too noisy to judge" in err and "IQR/median" in err
    code, out, _ = run_gate(capsys, baseline, candidate, "--fail-on-noise")
    assert code == 1 and "--fail-on-noise" in out


def test_other_hardware_is_refused_unless_allowed(tmp_path, capsys):
    baseline = two_benchmark_file(tmp_path / "base.json", seed=1)
    candidate = two_benchmark_file(
        tmp_path / "cand.json", seed=2, cpu_model="Other CPU 1",
        devices=[{"name": "cpu", "model": "Other CPU 1", "memory_bytes": None}])
    code, out, err = run_gate(capsys, baseline, candidate)
    assert code == 2 and "--allow-env-mismatch" in err and "gate:" not in out
    assert "cpu_model: Example CPU 9000 | Other CPU 1" in err
    code, out, err = run_gate(capsys, baseline, candidate, "--allow-env-mismatch")
    assert code == 0 and "judging despite" in err and "gate: passed" in out


def test_another_gpu_model_is_refused(tmp_path, capsys):
    cuda_matmul = MATMUL.replace("[cpu-", "[cuda-")
    files = []
    for name, model in [("h100.json", GPU["model"]), ("a100.json", "NVIDIA A100-SXM4-80GB")]:
        files.append(write(tmp_path / name, benchmark_document(
            [bench_entry(cuda_matmul, quiet_times(1), device="cuda:0")], cuda_available=True,
            devices=[ENVIRONMENT["devices"][0], {**GPU, "model": model}])))
    code, _, err = run_gate(capsys, *files)
    assert code == 2 and "cuda:0 model: NVIDIA H100 80GB HBM3 | NVIDIA A100-SXM4-80GB" in err


def test_other_thread_count_or_workload_is_refused(tmp_path, capsys):
    baseline = two_benchmark_file(tmp_path / "base.json", seed=1)
    threads = write(tmp_path / "threads.json", benchmark_document(
        [bench_entry(MATMUL, quiet_times(2), threads=4)]))
    code, _, err = run_gate(capsys, baseline, threads)
    assert code == 2 and f"{MATMUL}: torch_threads 8 vs 4" in err
    workload = write(tmp_path / "work.json", benchmark_document(
        [bench_entry(MATMUL, quiet_times(2), work_per_call=1.0)]))
    code, _, err = run_gate(capsys, baseline, workload)
    assert code == 2 and f"{MATMUL}: work_per_call 0.5 vs 1" in err


def test_another_torch_version_is_shown_not_refused(tmp_path, capsys):
    baseline = two_benchmark_file(tmp_path / "base.json", seed=1, torch="2.9.1")
    candidate = two_benchmark_file(tmp_path / "cand.json", seed=2, torch="2.14.1",
                                   git_commit="fedcba9876543210fedcba9876543210fedcba98")
    code, out, _ = run_gate(capsys, baseline, candidate)
    assert code == 0
    lines = [line.split() for line in out.splitlines()]
    assert ["torch", "2.9.1", "2.14.1"] in lines
    assert ["git_commit", "0123456789ab", "fedcba987654"] in lines


def test_missing_benchmarks_are_warned_about(tmp_path, capsys):
    baseline = two_benchmark_file(tmp_path / "base.json", seed=1)
    candidate = write(tmp_path / "cand.json",
                      benchmark_document([bench_entry(MATMUL, quiet_times(2))]))
    code, _, err = run_gate(capsys, baseline, candidate)
    assert code == 0 and f"missing from the candidate, not judged: {CONV}" in err


def test_untimed_benchmarks_are_not_judged(tmp_path, capsys):
    """A run with benchmarks disabled records throughput null: one cold call, not a timing."""
    baseline = two_benchmark_file(tmp_path / "base.json", seed=1)
    untimed = write(tmp_path / "cand.json", benchmark_document(
        [bench_entry(MATMUL, quiet_times(2)[:1], timed=False),
         bench_entry(CONV, quiet_times(3), unit="images/s", work_per_call=64.0)]))
    code, out, err = run_gate(capsys, baseline, untimed)
    assert code == 0 and f"{MATMUL}: not timed in one of the runs" in err
    assert [line.split()[-2:] for line in out.splitlines() if line.startswith(MATMUL)] == [
        ["not", "timed"]]


def test_a_gate_that_judged_nothing_does_not_pass(tmp_path, capsys):
    """Untimed or too short runs give no verdict: exit 2, not a green build."""
    baseline = write(tmp_path / "base.json", benchmark_document(
        [bench_entry(MATMUL, quiet_times(1)[:1])]))
    twice_as_slow = write(tmp_path / "cand.json", benchmark_document(
        [bench_entry(MATMUL, 2 * quiet_times(1)[:1])]))
    code, out, _ = run_gate(capsys, baseline, twice_as_slow)
    assert code == 2 and "gate: nothing judged" in out and gate.TOO_FEW_ROUNDS in out
    untimed = write(tmp_path / "untimed.json", benchmark_document(
        [bench_entry(MATMUL, quiet_times(1)[:1], timed=False)]))
    code, out, _ = run_gate(capsys, baseline, untimed)
    assert code == 2 and "gate: nothing judged" in out


BAD_INPUTS = {
    "missing": (None, "no such file"),
    "malformed": ("{not json", "not valid JSON"),
    "off-schema": (json.dumps({"kind": "benchmark"}), "does not follow suite/tools/schema.json"),
    "benchmark-without-data": (
        json.dumps(benchmark_document([{**bench_entry(MATMUL, [1e-3, 2e-3]), "stats": {}}])),
        "does not follow suite/tools/schema.json at benchmarks/0/stats"),
    "conformance-file": (json.dumps(conformance_document()),
                         "is a conformance result file, not a benchmark result file"),
    "no-benchmarks": (json.dumps(benchmark_document([])), "contains no benchmarks"),
    "zero-timing": (json.dumps(benchmark_document([bench_entry(MATMUL, [0.0, 1e-3, 1e-3])])),
                    "timings that are not positive finite seconds"),
}


@pytest.mark.parametrize("content, message", BAD_INPUTS.values(), ids=BAD_INPUTS)
def test_bad_input_is_a_clear_error(tmp_path, capsys, content, message):
    good = two_benchmark_file(tmp_path / "good.json", seed=1)
    bad = tmp_path / "bad.json"
    if content is not None:
        write(bad, content)
    code, out, err = run_gate(capsys, bad, good)  # test_compare gives it second
    assert code == 2 and message in err and "bad.json" in err
    assert "gate:" not in out


def test_no_benchmarks_in_common_is_an_error(tmp_path, capsys):
    baseline = write(tmp_path / "a.json", benchmark_document([bench_entry(MATMUL, quiet_times(1))]))
    candidate = write(tmp_path / "b.json", benchmark_document([bench_entry(CONV, quiet_times(2))]))
    code, _, err = run_gate(capsys, baseline, candidate)
    assert code == 2 and "no benchmarks in common" in err


@pytest.mark.parametrize(
    "argv, message",
    [(["--max-slowdown", "10"], "expected a percentage between"),
     (["--max-slowdown", "ten"], "expected a percentage like 10%"),
     (["--alpha", "2"], "--alpha must be between 0 and 1"),
     (["--no-such-option"], "unrecognized arguments")],
    ids=["ambiguous-threshold", "not-a-number", "alpha-out-of-range", "unknown-option"],
)
def test_bad_options_are_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        gate.parse_args(["a.json", "b.json", *argv])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_threshold_accepts_percent_and_fraction():
    assert gate.fraction("10%") == gate.fraction("0.1") == pytest.approx(0.1)


@pytest.mark.subprocess
def test_module_runs_from_the_command_line(tmp_path):
    baseline = two_benchmark_file(tmp_path / "base.json", seed=1)
    candidate = two_benchmark_file(tmp_path / "cand.json", seed=2, slowdown=0.20)
    completed = subprocess.run(
        [sys.executable, "-m", "suite.tools.gate", str(baseline), str(candidate),
         "--max-slowdown", "10%"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "REGRESSION" in completed.stdout and "Traceback" not in completed.stderr
