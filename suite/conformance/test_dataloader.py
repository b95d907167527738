"""DataLoader batching, shuffling and collation (seed 002: Dataset과 DataLoader, DataLoader로
학습용 데이터 준비, DataLoader를 통해 순회(iterate); the MNIST loaders with num_workers=0).

Documented (torch.utils.data.DataLoader): batches of `batch_size` samples in the sampler's
order; the last batch is smaller when the size does not divide, and dropped with
drop_last=True, so len(loader) is ceil(n / b), or floor(n / b) with drop_last;
shuffle=True "reshuffles at every epoch" (each sample once per epoch); a seeded `generator`
fixes the order; num_workers > 0 loads in subprocesses and yields the same batches in the
same order (in_order=True). default_collate stacks samples along a new first dimension:
Tensor and NumPy arrays -> Tensor, int / float -> Tensor, Mapping -> Mapping of collated
values, tuple and list -> list of collated columns.

Oracles: the ceil/floor arithmetic, set equality with range(n), and numpy's stacking of the
same values (np.stack; int -> int64, float -> float64, bool -> bool, as np.array gives them).
torch only: nothing here needs torchvision.
"""

import math
import os
from collections.abc import Mapping

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from suite.testing.strategies import (
    BOOL, NUMERIC, TORCH_DTYPE, arrays, dtype_id, dtypes, shapes, without_shrinking,
)
from suite.testing.tolerances import assert_close_to
from suite.testing.claims import covers

SIZES = st.integers(0, 40)
BATCH_SIZES = st.integers(1, 12)


def loader(dataset, **options):
    return torch.utils.data.DataLoader(dataset, **options)


def epoch(data_loader):
    """The batches of one pass, each as a list of the sample values (ints)."""
    return [batch.tolist() for batch in data_loader]


def flat(batches):
    return [sample for batch in batches for sample in batch]


@given(n=SIZES, batch_size=BATCH_SIZES)
def test_batches_cover_the_dataset_in_order(n, batch_size):
    """Without drop_last: ceil(n / b) batches (len(loader) too), all of size b but the last,
    which holds the n - b * (ceil(n / b) - 1) samples left; in order, each sample once."""
    data_loader = loader(list(range(n)), batch_size=batch_size)
    batches = epoch(data_loader)
    count = math.ceil(n / batch_size)
    assert len(data_loader) == count and len(batches) == count, f"n={n}, batch_size={batch_size}"
    sizes = [batch_size] * (count - 1) + [n - batch_size * (count - 1)] if count else []
    assert [len(batch) for batch in batches] == sizes
    assert flat(batches) == list(range(n))


@given(n=SIZES, batch_size=BATCH_SIZES)
def test_drop_last_drops_only_the_partial_batch(n, batch_size):
    """drop_last=True: floor(n / b) full batches (len(loader) too); the n % b samples left at
    the end are dropped, nothing else."""
    data_loader = loader(list(range(n)), batch_size=batch_size, drop_last=True)
    batches = epoch(data_loader)
    count = n // batch_size
    assert len(data_loader) == count and len(batches) == count, f"n={n}, batch_size={batch_size}"
    assert all(len(batch) == batch_size for batch in batches)
    assert flat(batches) == list(range(count * batch_size))


@given(n=st.integers(1, 40), batch_size=BATCH_SIZES, drop_last=st.booleans())
def test_shuffle_yields_each_sample_once_per_epoch(n, batch_size, drop_last):
    """shuffle=True: every epoch is a permutation of the dataset (without drop_last), or
    floor(n / b) * b distinct samples (with it), in the same batch sizes as without shuffle."""
    data_loader = loader(list(range(n)), batch_size=batch_size, shuffle=True, drop_last=drop_last)
    for _ in range(2):
        batches = epoch(data_loader)
        samples = flat(batches)
        if drop_last:
            assert len(batches) == n // batch_size
            assert len(samples) == len(set(samples)) == n // batch_size * batch_size
            assert set(samples) <= set(range(n))
        else:
            assert len(batches) == math.ceil(n / batch_size)
            assert sorted(samples) == list(range(n)), f"n={n}: {samples}"


SHUFFLE_SEED = 20240601
SHUFFLE_N = 64


@covers("002-shuffle-every-epoch")
def test_shuffle_reshuffles_every_epoch():
    """The tutorial's DataLoader(data, batch_size=64, shuffle=True): epochs come in a random
    order, a new one each epoch ("모든 배치를 순회한 뒤 데이터가 섞인다").
    A uniform permutation of 64 samples equals a given order with probability 1/64! (about
    8e-90): that is this test's false-failure rate; the global seed is fixed, so is the run."""
    torch.manual_seed(SHUFFLE_SEED)
    data_loader = loader(list(range(SHUFFLE_N)), batch_size=16, shuffle=True)
    first, second = flat(epoch(data_loader)), flat(epoch(data_loader))
    assert sorted(first) == sorted(second) == list(range(SHUFFLE_N))
    assert first != list(range(SHUFFLE_N)), "shuffle=True kept the dataset order"
    assert first != second, "shuffle=True gave the same order in two epochs"


@given(seed=st.integers(0, 2**63 - 1), n=st.integers(2, 30), batch_size=st.integers(1, 8))
def test_seeded_generator_reproduces_the_order(seed, n, batch_size):
    """Two loaders given generators seeded alike shuffle alike, whatever the global RNG did
    in between (the `generator` argument: "this RNG will be used by RandomSampler")."""

    def order(global_seed):
        torch.manual_seed(global_seed)
        generator = torch.Generator().manual_seed(seed)
        return flat(epoch(loader(list(range(n)), batch_size=batch_size, shuffle=True,
                                 generator=generator)))

    first, second = order(1), order(2)
    assert sorted(first) == list(range(n))
    assert first == second, f"generator seeded {seed}: {first} then {second}"


def numbered_samples(n):
    return [(torch.tensor([i, -i]), i) for i in range(n)]


@pytest.mark.parametrize("n, batch_size, shuffle", [(10, 3, False), (9, 4, True)])
def test_workers_yield_the_same_batches(n, batch_size, shuffle):
    """num_workers=2 loads in two subprocesses and yields the batches num_workers=0 yields, in
    the same order (a seeded generator makes the shuffled order the same for both)."""

    def batches(workers):
        generator = torch.Generator().manual_seed(7)
        data_loader = loader(numbered_samples(n), batch_size=batch_size, shuffle=shuffle,
                             generator=generator, num_workers=workers)
        return [(features.tolist(), labels.tolist()) for features, labels in data_loader]

    in_process, in_workers = batches(0), batches(2)
    assert in_workers == in_process
    labels = flat(labels for _, labels in in_workers)
    assert sorted(labels) == list(range(n))
    if not shuffle:
        assert labels == list(range(n))
    assert all(features == [[i, -i] for i in batch] for features, batch in in_workers)


class WhereLoaded(torch.utils.data.Dataset):
    """Each sample says which worker loaded it, and in which process."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        info = torch.utils.data.get_worker_info()
        return {"worker": -1 if info is None else info.id, "pid": os.getpid()}


@covers("002-num-workers")
def test_workers_are_subprocesses():
    """num_workers=2: "how many subprocesses to use for data loading". Every sample is loaded
    by worker 0 or 1 (get_worker_info()), in two processes other than this one."""
    batches = list(loader(WhereLoaded(), batch_size=2, num_workers=2))
    workers = {worker for batch in batches for worker in batch["worker"].tolist()}
    pids = {pid for batch in batches for pid in batch["pid"].tolist()}
    assert workers == {0, 1}, f"samples loaded by workers {workers}, not by 0 and 1"
    assert len(pids) == 2 and os.getpid() not in pids, f"loaded in processes {pids}"


# --- default_collate -------------------------------------------------------------------------

PYTHON_DTYPE = {bool: np.bool_, int: np.int64, float: np.float64}


class AsTensor:
    """A tensor leaf in a sample description: the sample holds torch.tensor(array)."""

    def __init__(self, array):
        self.array = array

    def __repr__(self):
        return f"tensor({self.array!r})"


def numpy_collate(samples):
    """default_collate's documented mapping, with numpy stacking at the leaves."""
    first = samples[0]
    if isinstance(first, Mapping):
        return {key: numpy_collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        return [numpy_collate(list(column)) for column in zip(*samples)]
    if type(first) in PYTHON_DTYPE:
        return np.array(samples, dtype=PYTHON_DTYPE[type(first)])
    return np.stack([sample.array if isinstance(sample, AsTensor) else sample for sample in samples])


def to_sample(description):
    """The sample itself: AsTensor leaves become tensors, containers keep their type."""
    if isinstance(description, AsTensor):
        return torch.tensor(description.array)
    if isinstance(description, Mapping):
        return {key: to_sample(value) for key, value in description.items()}
    if isinstance(description, (tuple, list)):
        return type(description)(to_sample(value) for value in description)
    return description


def assert_collated(actual, expected, where="batch"):
    if isinstance(expected, dict):
        assert isinstance(actual, Mapping), f"{where}: {type(actual).__name__}, expected a mapping"
        assert list(actual) == list(expected), f"{where}: keys {list(actual)}"
        for key in expected:
            assert_collated(actual[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: {type(actual).__name__}, expected a list"
        assert len(actual) == len(expected), f"{where}: {len(actual)} columns"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_collated(a, e, f"{where}[{i}]")
    else:
        assert isinstance(actual, torch.Tensor), f"{where}: {type(actual).__name__}, not a tensor"
        assert_close_to(actual, expected, dtype=TORCH_DTYPE[expected.dtype])


# A sample's layout: leaves are ("int",), ("float",), ("bool",) or (kind, dtype, shape) for
# "numpy scalar", "numpy array", "tensor"; containers are ("tuple" | "list", [children]) and
# ("dict", {key: child}).
PYTHON_LEAVES = {
    "int": st.integers(-(2**31), 2**31),
    "float": st.floats(-1e6, 1e6, allow_nan=False),
    "bool": st.booleans(),
}


@st.composite
def leaf_layouts(draw):
    kind = draw(st.sampled_from([*PYTHON_LEAVES, "numpy scalar", "numpy array", "tensor"]))
    if kind in PYTHON_LEAVES:
        return (kind,)
    shape = () if kind == "numpy scalar" else draw(shapes(max_dims=3, max_side=3))
    if kind == "numpy scalar":  # each dtype, bool included, in test_numpy_scalars_collate
        return (kind, draw(dtypes(NUMERIC)), shape)
    return (kind, draw(dtypes(BOOL, NUMERIC)), shape)


LAYOUTS = st.recursive(
    leaf_layouts(),
    lambda children: st.one_of(
        st.tuples(st.sampled_from(["tuple", "list"]), st.lists(children, min_size=1, max_size=3)),
        st.tuples(st.just("dict"), st.dictionaries(st.sampled_from(["image", "label", "meta"]),
                                                    children, min_size=1, max_size=3)),
    ),
    max_leaves=4,
)


def draw_description(draw, layout):
    kind = layout[0]
    if kind in PYTHON_LEAVES:
        return draw(PYTHON_LEAVES[kind])
    if kind in ("tuple", "list"):
        values = [draw_description(draw, child) for child in layout[1]]
        return tuple(values) if kind == "tuple" else values
    if kind == "dict":
        return {key: draw_description(draw, child) for key, child in layout[1].items()}
    _, dtype, shape = layout
    array = draw(arrays(dtype, shape, small=True))
    if kind == "numpy scalar":
        return array[()]
    return AsTensor(array) if kind == "tensor" else array


@given(data=st.data())
def test_default_collate_matches_numpy_stacking(data):
    """Batches of tuples, lists, dicts (nested) of tensors, numpy arrays and scalars, and
    Python int / float / bool: the same structure (tuples and lists become lists), each leaf
    stacked along a new first dimension: np.stack's values and dtype, with int -> int64,
    float -> float64, bool -> bool."""
    layout = data.draw(LAYOUTS, label="layout")
    n = data.draw(st.integers(1, 6), label="n")
    batch_size = data.draw(st.integers(1, 4), label="batch_size")
    descriptions = [draw_description(data.draw, layout) for _ in range(n)]
    batches = list(loader([to_sample(d) for d in descriptions], batch_size=batch_size))
    assert len(batches) == math.ceil(n / batch_size)
    for index, batch in enumerate(batches):
        chunk = descriptions[index * batch_size:(index + 1) * batch_size]
        assert_collated(batch, numpy_collate(chunk), f"batch {index}")


@without_shrinking()  # a strict xfail on the releases reference/bugs.py names
@pytest.mark.parametrize("dtype", BOOL + NUMERIC, ids=dtype_id)
@given(data=st.data())
def test_numpy_scalars_collate(dtype, data):
    """A batch of numpy scalars of one dtype (numpy.bool included) collates to the tensor of
    np.stack: its shape (B,), dtype and values (default_collate: "NumPy Arrays -> torch.Tensor";
    a numpy scalar goes through torch.as_tensor)."""
    n = data.draw(st.integers(1, 6), label="n")
    scalars = [data.draw(arrays(dtype, (), small=True), label=f"scalar {i}")[()] for i in range(n)]
    (batch,) = loader(scalars, batch_size=n)
    assert_close_to(batch, np.stack(scalars), dtype=dtype)


@covers("002-getitem-dict")
@pytest.mark.parametrize("label, dtype", [(3, torch.int64), (0.5, torch.float64), (True, torch.bool)])
@pytest.mark.parametrize("form", ["tuple", "dict"])
def test_tutorial_sample_forms_collate_to_image_and_label_batches(form, label, dtype):
    """The tutorial's Dataset returns (image, label), or {"image": image, "label": label} in its
    second listing: a DataLoader turns them into [images (B, C, H, W), labels (B,)], or the
    same dict of batches; a Python label becomes a tensor (int64, float64 or bool)."""
    images = np.arange(3 * 1 * 2 * 2, dtype=np.float32).reshape(3, 1, 2, 2)
    labels = np.full(3, label, dtype=PYTHON_DTYPE[type(label)])
    if form == "tuple":
        samples = [(torch.tensor(image), label) for image in images]
        expected = [images, labels]
    else:
        samples = [{"image": torch.tensor(image), "label": label} for image in images]
        expected = {"image": images, "label": labels}
    (batch,) = loader(samples, batch_size=3)
    assert_collated(batch, expected)
    assert (batch[1] if form == "tuple" else batch["label"]).dtype == dtype
