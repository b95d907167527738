"""Getting data into tensors: DataLoader throughput in samples/s with num_workers 0 and 2, and
torch.from_numpy against torch.tensor on a large array in GB/s.

Seed 002: the DataLoader section (batches of 64 FashionMNIST 1x28x28 images; DataLoader uses
Python's multiprocessing to speed up data retrieval) and the NumPy bridge (a tensor made by
from_numpy shares its memory with the array): sharing means no copy, which shows as a time
independent of the array's size, while torch.tensor copies every byte.
"""

import numpy as np
import pytest
import torch

from suite.benchmarks import harness
from suite.benchmarks.workloads import BATCH_SIZE, DATASET_SAMPLES, dataloader_epoch_call

@pytest.mark.parametrize("num_workers", (0, 2), ids=lambda n: f"workers{n}")
def test_dataloader(benchmark, device, num_workers):
    """Iterating a DataLoader of 64-image batches (shuffled, default collate)."""
    epoch = dataloader_epoch_call(torch.device(device), num_workers)
    # the workers stop when `epoch`, which holds the loader, goes at the test's return
    harness.measure(benchmark, epoch, device=device, unit="samples/s",
                   work_per_call=DATASET_SAMPLES, num_workers=num_workers,
                   batch_size=BATCH_SIZE, persistent_workers=num_workers > 0)


ARRAY_ELEMENTS = 8 * 2**20  # float32: 32 MiB, well beyond the last-level cache
CONVERSIONS = ("from_numpy", "tensor")


@pytest.mark.devices("cpu")  # the memory-sharing claim is about CPU arrays; no CUDA variant
@pytest.mark.parametrize("conversion", CONVERSIONS, ids=lambda name: f"torch.{name}")
def test_numpy_to_tensor(benchmark, device, conversion):
    """torch.from_numpy (shares the array's memory) against torch.tensor (copies it)."""
    array = np.random.default_rng(0).random(ARRAY_ELEMENTS, dtype=np.float32)
    convert = getattr(torch, conversion)
    shares = bool(np.shares_memory(convert(array).numpy(), array))
    assert shares == (conversion == "from_numpy"), "the timed call does not do what it is named"
    harness.measure(benchmark, lambda: convert(array), device=device, unit="GB/s",
                   work_per_call=harness.gigabytes(array.nbytes), dtype=torch.float32,
                   array_bytes=array.nbytes, shares_memory=shares)
