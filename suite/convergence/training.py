"""Seed 002's two models trained end to end on real MNIST digits, and the documented claims
checked on the runs.

- mlp: NeuralNetwork (Flatten, 784-512-512-10, ReLU), SGD(lr=1e-3), batch 64, ToTensor.
  The tutorial trains 5 epochs on FashionMNIST's 60,000 images, i.e. 5 x 938 SGD steps, and
  prints test accuracy 47.5 % -> 65.1 %. Here an "epoch" is those 938 steps (about 15 passes
  over the 4,000 training digits): at lr 1e-3 one pass over 4,000 images barely moves the MLP.
- cnn: Net (the seed's small CNN), Adam, ToTensor + Normalize((0.1307,), (0.3081,)). The
  seed uses batch 1 and lr 3e-4 (4,000 steps per epoch here, about 10 s each on 2 cores);
  batch 16 and lr 1e-3 reach the same accuracies in a fraction of the time.

Thresholds come from measured runs (README, "Convergence"), with margins.
"""

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial

import torch

from suite.testing import models


@dataclass(frozen=True)
class Spec:
    model: str
    optimizer: str  # a torch.optim class name, looked up when a run starts
    lr: float
    batch_size: int
    normalize: bool  # Normalize((0.1307,), (0.3081,)) after ToTensor
    epochs: int
    seeds: tuple
    target_accuracy: float  # recorded as time-to-accuracy
    steps_per_epoch: int | None = None  # None: one pass over the training images
    checks: tuple = field(default=(), compare=False)  # (claim id, check(runs) -> (ok, detail))

    def build(self) -> torch.nn.Module:
        return {"mlp": models.NeuralNetwork, "cnn": models.Net}[self.model]()

    def describe_optimizer(self) -> str:
        return f"{self.optimizer}(lr={self.lr:g})"


@dataclass
class Run:
    spec: Spec
    seed: int
    device: str
    steps_per_epoch: int
    deterministic: bool
    history: list = field(default_factory=list)  # one dict per epoch (schema: convergence_epoch)
    step_losses: list = field(default_factory=list)  # every training step's loss, for determinism
    train_time_s: float = 0.0
    samples: int = 0
    duration_s: float = 0.0

    @property
    def accuracies(self) -> list:
        return [epoch["test_accuracy"] for epoch in self.history]

    def epochs_to_target(self) -> int | None:
        reached = [e["epoch"] for e in self.history if e["test_accuracy"] >= self.spec.target_accuracy]
        return reached[0] if reached else None

    def time_to_target_s(self) -> float | None:
        """Training time until the end of the first epoch at or above the target."""
        first = self.epochs_to_target()
        return None if first is None else self.history[first - 1]["elapsed_s"]

    def record(self, dataset: str) -> dict:
        """The run as suite/tools/schema.json's convergence_run."""
        return {
            "model": self.spec.model,
            "device": self.device,
            "seed": self.seed,
            "dataset": dataset,
            "optimizer": self.spec.describe_optimizer(),
            "batch_size": self.spec.batch_size,
            "steps_per_epoch": self.steps_per_epoch,
            "epochs": len(self.history),
            "target_accuracy": self.spec.target_accuracy,
            "epochs_to_target": self.epochs_to_target(),
            "time_to_target_s": self.time_to_target_s(),
            "final_accuracy": self.accuracies[-1],
            "samples_per_s": round(self.samples / self.train_time_s, 1),
            "duration_s": round(self.duration_s, 3),
            "deterministic": self.deterministic,
            "history": self.history,
        }


def batches(n: int, batch_size: int, generator: torch.Generator):
    """Index batches forever: a fresh permutation per pass, the last batch partial (the
    tutorial's DataLoader(shuffle=True) with drop_last=False)."""
    while True:
        order = torch.randperm(n, generator=generator)
        yield from order.split(batch_size)


@contextmanager
def deterministic_algorithms(enabled: bool):
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(enabled)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)


def evaluate(model, images, labels) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) on a held-out split, the tutorial's test_loop."""
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for x, y in zip(images.split(1000), labels.split(1000)):
            logits = model(x)
            loss_sum += torch.nn.functional.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
    return loss_sum / len(labels), correct / len(labels)


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def train(spec: Spec, seed: int, device: str, data: tuple, progress=None) -> Run:
    """Train one model from torch.manual_seed(seed); data = (x_train, y_train, x_test, y_test).

    Deterministic algorithms are on for CPU runs (CUDA would also need CUBLAS_WORKSPACE_CONFIG
    set before CUDA starts, so GPU runs record deterministic=False)."""
    started = time.perf_counter()
    x_train, y_train, x_test, y_test = (tensor.to(device) for tensor in data)
    steps = spec.steps_per_epoch or math.ceil(len(x_train) / spec.batch_size)
    run = Run(spec, seed, device, steps, deterministic=device == "cpu")
    with deterministic_algorithms(run.deterministic):
        torch.manual_seed(seed)
        model = spec.build().to(device)
        optimizer = getattr(torch.optim, spec.optimizer)(model.parameters(), lr=spec.lr)
        order = batches(len(x_train), spec.batch_size, torch.Generator().manual_seed(seed))
        for epoch in range(1, spec.epochs + 1):
            epoch_started = time.perf_counter()
            model.train()
            losses = []
            for _ in range(steps):
                index = next(order).to(device)
                loss = torch.nn.functional.cross_entropy(model(x_train[index]), y_train[index])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.detach())
                run.samples += len(index)
            synchronize(device)
            run.train_time_s += time.perf_counter() - epoch_started
            losses = torch.stack(losses).cpu()
            run.step_losses += losses.tolist()
            test_loss, accuracy = evaluate(model, x_test, y_test)
            run.history.append({
                "epoch": epoch,
                "train_loss": round(losses.mean().item(), 6),
                "test_loss": round(test_loss, 6),
                "test_accuracy": accuracy,
                "elapsed_s": round(run.train_time_s, 3),
            })
            if progress:
                progress(f"  {spec.model} seed {seed} {device} epoch {epoch}/{spec.epochs}: "
                         f"test accuracy {100 * accuracy:.1f} %, test loss {test_loss:.4f}, "
                         f"{run.train_time_s:.1f} s")
    run.duration_s = time.perf_counter() - started
    return run


# --- checks: each takes the runs of one spec (all seeds) and says (holds, why) ----------

def per_seed(runs, values) -> str:
    return "; ".join(f"seed {run.seed}: {values(run)}" for run in runs)


def percent(values) -> str:
    return " -> ".join(f"{100 * value:.1f}" for value in values) + " %"


def loss_falls_every_epoch(runs) -> tuple[bool, str]:
    def losses(run):
        return [epoch["test_loss"] for epoch in run.history]

    ok = all(b < a for run in runs for a, b in zip(losses(run), losses(run)[1:]))
    return ok, "test loss " + per_seed(runs, lambda r: " -> ".join(f"{x:.3f}" for x in losses(r)))


def accuracy_rises_every_epoch(runs) -> tuple[bool, str]:
    ok = all(b > a for run in runs for a, b in zip(run.accuracies, run.accuracies[1:]))
    return ok, "test accuracy " + per_seed(runs, lambda r: percent(r.accuracies))


def final_accuracy_at_least(minimum, runs) -> tuple[bool, str]:
    ok = all(run.accuracies[-1] >= minimum for run in runs)
    return ok, f"final accuracy >= {100 * minimum:.0f} % (chance 10 %): " + per_seed(
        runs, lambda r: f"{100 * r.accuracies[-1]:.1f} %")


def reaches_target_on_every_seed(runs) -> tuple[bool, str]:
    target = runs[0].spec.target_accuracy
    ok = all(run.epochs_to_target() is not None for run in runs)
    return ok, f"reaches {100 * target:.0f} % within {runs[0].spec.epochs} epochs: " + per_seed(
        runs, lambda r: f"epoch {r.epochs_to_target()} (best {100 * max(r.accuracies):.1f} %)")


MLP = Spec("mlp", "SGD", lr=1e-3, batch_size=64, normalize=False, steps_per_epoch=938,
           epochs=5, seeds=(0, 1, 2), target_accuracy=0.60, checks=(
               ("002-mlp-test-loss-falls", loss_falls_every_epoch),
               ("002-mlp-accuracy-rises", accuracy_rises_every_epoch),
               ("002-mlp-final-accuracy", partial(final_accuracy_at_least, 0.60)),
           ))
CNN = Spec("cnn", "Adam", lr=1e-3, batch_size=16, normalize=True,
           epochs=10, seeds=(0, 1, 2), target_accuracy=0.95, checks=(
               ("002-cnn-trains", reaches_target_on_every_seed),
           ))

FULL = {"mlp": MLP, "cnn": CNN}
# The test command's quick variant: one seed, fewer epochs, lower bars (measured likewise).
SHORT = {
    "mlp": replace(MLP, epochs=2, seeds=(0,), target_accuracy=0.25, checks=(
        ("002-mlp-test-loss-falls", loss_falls_every_epoch),
        ("002-mlp-accuracy-rises", accuracy_rises_every_epoch),
        ("002-mlp-final-accuracy", partial(final_accuracy_at_least, 0.25)),
    )),
    "cnn": replace(CNN, epochs=1, seeds=(0,), target_accuracy=0.85),
}
VARIANTS = {"full": FULL, "short": SHORT}


def check(spec: Spec, runs) -> list[dict]:
    """The spec's checks on its runs, as suite/tools/schema.json's checks entries."""
    outcomes = []
    for claim, verdict in spec.checks:
        passed, detail = verdict(runs)
        outcomes.append({"claim": claim, "passed": passed, "detail": detail})
    return outcomes
