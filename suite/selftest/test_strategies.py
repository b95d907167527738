"""Meta-tests: the shared strategies generate only valid inputs and reach the edge cases
(0- and 1-sized dims, 0-d tensors, every dtype, every index kind) they claim to."""

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
import torch
from hypothesis import strategies as st

from suite.testing import architectures, strategies
from suite.testing.strategies import (
    ALL, MAX_DIMS, MAX_SIDE, NUMPY_DTYPE, SMALL_MAX, arrays_of, basic_indices,
    broadcastable_pairs, dtypes, matmul_shapes, nest, nested_lists, scalar_kind, shapes,
)


REACH_SETTINGS = settings(
    max_examples=2000, phases=(Phase.generate,), database=None, derandomize=True, deadline=None
)


def reaches(strategy, condition):
    """True if hypothesis finds an example meeting `condition` (raises NoSuchExample if it
    cannot in 2000 derandomized tries); no shrinking, the first example found will do."""
    return find(strategy, condition, settings=REACH_SETTINGS) is not None


@given(shape=shapes())
def test_shapes_are_bounded(shape):
    assert len(shape) <= MAX_DIMS and all(0 <= side <= MAX_SIDE for side in shape)


SHAPE_EDGES = {
    "0-d": lambda s: s == (),
    "0-sized dim": lambda s: 0 in s,
    "1-sized dim": lambda s: 1 in s,
    "max dims": lambda s: len(s) == MAX_DIMS,
    "max side": lambda s: MAX_SIDE in s,
}


@pytest.mark.parametrize("edge", SHAPE_EDGES)
def test_shapes_reach_edges(edge):
    assert reaches(shapes(), SHAPE_EDGES[edge])


@pytest.mark.parametrize("dtype", ALL, ids=str)
def test_every_dtype_is_reachable(dtype):
    assert reaches(dtypes(ALL), lambda d: d == dtype)


@given(array=arrays_of(dtypes(ALL), small=True))
def test_small_arrays_are_small_integers(array):
    values = array.astype(np.complex128)
    assert (values.imag == 0).all() and (np.abs(values.real) <= SMALL_MAX).all()
    assert (values.real == np.round(values.real)).all()


@given(array=arrays_of(dtypes(ALL)))
def test_arrays_have_the_twin_dtype(array):
    assert array.dtype in NUMPY_DTYPE.values() and array.ndim <= MAX_DIMS


def index_parts(index):
    return index if isinstance(index, tuple) else (index,)


@given(data=shapes().flatmap(lambda shape: st.tuples(st.just(shape), basic_indices(shape))))
def test_basic_indices_are_valid_with_positive_steps(data):
    shape, index = data
    np.zeros(shape)[index]  # numpy accepts it
    steps = [p.step for p in index_parts(index) if isinstance(p, slice)]
    assert all(step is None or step > 0 for step in steps)


INDEX_KINDS = {
    "int": lambda i: any(isinstance(p, int) for p in index_parts(i)),
    "step >= 2": lambda i: any(isinstance(p, slice) and (p.step or 1) >= 2 for p in index_parts(i)),
    "Ellipsis": lambda i: any(p is Ellipsis for p in index_parts(i)),
    "None": lambda i: any(p is None for p in index_parts(i)),
}


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_basic_indices_reach_every_kind(kind):
    assert reaches(basic_indices((4, 3, 5)), INDEX_KINDS[kind])


@given(pair=broadcastable_pairs())
def test_broadcastable_pairs_broadcast(pair):
    assert np.broadcast_shapes(*pair.input_shapes) == pair.result_shape


def test_broadcastable_pairs_reach_rank_mismatch_and_zero_size():
    assert reaches(broadcastable_pairs(), lambda p: len(p.input_shapes[0]) != len(p.input_shapes[1]))
    assert reaches(broadcastable_pairs(), lambda p: 0 in p.result_shape)


@given(pair=matmul_shapes())
def test_matmul_shapes_are_accepted_by_numpy(pair):
    a, b = pair.input_shapes
    assert np.matmul(np.zeros(a), np.zeros(b)).shape == pair.result_shape


def test_matmul_shapes_reach_vectors_and_batches():
    assert reaches(matmul_shapes(), lambda p: len(p.input_shapes[0]) == 1)
    assert reaches(matmul_shapes(), lambda p: len(p.input_shapes[1]) >= 3)


@given(case=nested_lists())
def test_nested_lists_have_their_shape(case):
    data, shape = case
    assert np.array(data, dtype=object).shape == shape


@pytest.mark.parametrize("kind", strategies.SCALAR_KINDS)
def test_nested_lists_reach_every_single_kind(kind):
    def only(kinds_wanted):
        def condition(case):
            flat = np.array(case[0], dtype=object).reshape(-1).tolist()
            return bool(flat) and {scalar_kind(v) for v in flat} == kinds_wanted

        return condition

    assert reaches(nested_lists(), only({kind}))


def test_nest_hand_worked():
    assert nest([1, 2, 3, 4, 5, 6], (2, 3)) == [[1, 2, 3], [4, 5, 6]]
    assert nest([], (0,)) == []
    assert nest([], (2, 0)) == [[], []]
    assert nest([7], (1, 1, 1)) == [[[7]]]


# --- architectures (suite/testing/architectures.py) ------------------------------------------

def kinds(spec):
    return {node.kind for _, node in architectures.walk(spec)}


TREE_EDGES = {
    **{kind: (lambda kind: lambda spec: kind in kinds(spec))(kind)
       for kind in ("Linear", "Conv2d", "BatchNorm2d", "ReLU", *architectures.CONTAINER_KINDS)},
    "an empty container": lambda spec: any(
        isinstance(node, architectures.Node) and not node.children
        for _, node in architectures.walk(spec)),
    "a container in a container": lambda spec: any(
        len(name.split(".")) >= 2 and isinstance(node, architectures.Node)
        for name, node in architectures.walk(spec)),
    "a layer without bias": lambda spec: any(
        isinstance(node, architectures.Leaf) and node.kind != "ReLU" and not node.bias
        for _, node in architectures.walk(spec)),
}


@pytest.mark.parametrize("edge", TREE_EDGES)
def test_trees_reach_every_kind_and_shape(edge):
    assert reaches(architectures.trees(), TREE_EDGES[edge])


RUNNABLE_EDGES = {
    "conv only": lambda arch: kinds(arch.spec) == {"Sequential", "Conv2d"},
    "linear only": lambda arch: "Conv2d" not in kinds(arch.spec) and "Linear" in kinds(arch.spec),
    "conv, batchnorm and a head": lambda arch: {"Conv2d", "BatchNorm2d", "Linear"} <= kinds(arch.spec),
    "float64": lambda arch: arch.dtype == torch.float64,
}


@pytest.mark.parametrize("edge", RUNNABLE_EDGES)
def test_runnable_reaches_its_mixes(edge):
    assert reaches(architectures.runnable(), RUNNABLE_EDGES[edge])


@given(arch=architectures.runnable())
def test_runnable_models_run_on_their_input(arch):
    model = arch.build("cpu").eval()  # a batch of one 1x1 image is too little for batch stats
    assert list(model.parameters()) or list(model.buffers()), f"{arch} has nothing to save"
    out = model(torch.zeros(arch.input_shape, dtype=arch.dtype))
    assert out.shape[0] == arch.input_shape[0]
