"""Which devices a run covers, and the device parameter of device-generic tests."""

import pytest
import torch

from suite.plugin.reporting import CUDA_MISSING

ALL_DEVICES = ("cpu", "cuda")


def cuda_available() -> bool:
    return torch.cuda.is_available()


def selected_devices(choice: str) -> tuple[str, ...]:
    """The devices named by --device; raises pytest.UsageError for CUDA without CUDA."""
    if choice == "all":
        return ALL_DEVICES
    if choice == "cuda" and not cuda_available():
        raise pytest.UsageError(
            "--device cuda was asked for, but CUDA is not available on this machine "
            f"(torch {torch.__version__}, built for CUDA {torch.version.cuda}). "
            "Use --device cpu, or --device all to see the CUDA variants skipped."
        )
    return (choice,)


def device_param(name: str):
    """One value of the `device` parameter; CUDA is kept and skipped, never dropped."""
    if name != "cuda":
        return pytest.param(name, id=name)
    return pytest.param(
        name,
        id=name,
        marks=[pytest.mark.cuda, pytest.mark.skipif(not cuda_available(), reason=CUDA_MISSING)],
    )
