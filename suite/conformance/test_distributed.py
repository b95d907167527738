"""torch.distributed on several processes of this machine: collectives, DistributedDataParallel,
DistributedSampler, with 2 and 3 ranks (an odd count catches averaging mistakes).

Documented (torch.distributed, torch.nn.parallel.DistributedDataParallel,
torch.utils.data.distributed.DistributedSampler):
- all_reduce leaves on every rank the elementwise reduction (SUM, PRODUCT, MAX, MIN, and BAND,
  BOR, BXOR, which are "not available when using the NCCL backend") of every rank's tensor;
  broadcast copies rank `src`'s tensor to every rank; all_gather gives every rank the list of
  every rank's tensor, in rank order; reduce_scatter(output, input_list) leaves on rank r the
  reduction over the ranks of their input_list[r], and reduce_scatter_tensor(output, input) the
  same with input_list given as one tensor, "a concatenation of the output tensors along the
  primary dimension" or "a stack" of them (gloo: the list form from the release gated below);
  ReduceOp.AVG "divides values by the world size before summing across ranks" (gloo: gated
  below; the docstring still calls it NCCL-only, the backend table and pytorch#149781 do not).
- DDP: "the module's parameters and buffers are broadcast from rank 0 at construction" (unless
  init_sync=False, from the release gated below); during backward the gradients are
  all-reduced and "averaged" over the ranks, so with equal local batches and a mean loss every
  rank holds the gradient of the whole batch; inside `no_sync()` gradients accumulate locally
  and are synchronised "in the first forward-backward pass exiting the context";
  broadcast_buffers=True syncs the buffers from rank 0 at the beginning of each forward;
  state_dict() keys are the module's under the attribute `module.`, which
  consume_prefix_in_state_dict_if_present strips.
- DistributedSampler: rank r of R gets len(dataset) / R indices, rounded up with repeats to make
  the shards even, or down with drop_last=True; the shards of one epoch are disjoint otherwise
  and cover the dataset; set_epoch makes each epoch's shuffle a different one, the same on
  every rank (seed + epoch).

Oracles: numpy's reductions over the ranks' arrays, the mean-squared-error gradient written out
in numpy, BatchNorm's running-statistics update (reference/nn.py), set arithmetic, string prefixes, and
(for k training steps of the seed models, as torch.compile is checked against eager) the same
steps in one process on the whole batch, in float64. The ranks compute; the parent asserts.
Ranks: suite/testing/distributed.py (Note [ranks]); a breakage reaches them.
"""

import os
import sys

import numpy as np
import pytest
import torch
import torch.distributed as dist
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference import nn as ref
from suite.testing.distributed import rank_device, rank_groups, ranks, started  # noqa: F401
from suite.testing.models import ConvBnConv, Net, NeuralNetwork
from suite.testing.strategies import arrays, shapes, without_shrinking
from suite.testing.tolerances import assert_close_to
from suite.testing.versions import DDP_INIT_SYNC, GLOO_AVG, GLOO_REDUCE_SCATTER

WORLD_SIZES = pytest.mark.parametrize("world_size", (2, 3), ids=lambda n: f"{n}ranks")
# The ranks fixture is a handle on the module's running group, not state to reset per example.
ON_RANKS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
# For a strict xfail on the releases reference/bugs.py names: a known failure is not shrunk.
ON_RANKS_UNSHRUNK = settings(ON_RANKS, phases=without_shrinking().phases)
# A DDP training run per example: a few examples, each a different model seed and data.
FEW = settings(ON_RANKS, max_examples=min(settings.default.max_examples, 3))

REDUCTIONS = {"SUM": np.sum, "PRODUCT": np.prod, "MAX": np.max, "MIN": np.min,
              "BAND": np.bitwise_and.reduce, "BOR": np.bitwise_or.reduce,
              "BXOR": np.bitwise_xor.reduce}
COLLECTIVE_DTYPES = (torch.int32, torch.int64, torch.float32, torch.float64)
FLOAT_DTYPES = (torch.float32, torch.float64)


def reduce_ops(device, dtype) -> list:
    """The ReduceOps documented for the backend and dtype (AVG has a test of its own): the
    bitwise ones on integers, and not on nccl."""
    ops = ["SUM", "PRODUCT", "MAX", "MIN"]
    if not dtype.is_floating_point and device != "cuda":
        ops += ["BAND", "BOR", "BXOR"]
    return ops


def reduce_scatter_forms(device, chunk_shape) -> list:
    """The forms of reduce_scatter a property test asks the backend for: the list (gloo: gated)
    and the tensor that concatenates outputs with a primary dimension. The stacked tensor kills
    gloo's ranks (reference/bugs.py): test_reduce_scatter_tensor_takes_the_stacked_form."""
    forms = ["list"] if device == "cuda" or GLOO_REDUCE_SCATTER.applies() else []
    return forms + (["concatenation"] if chunk_shape else [])


@pytest.fixture
def gloo_ranks(rank_groups, device, world_size):
    """The module's gloo ranks, for a test of a gloo gate (nccl ranks are not started for it)."""
    if device != "cpu":
        pytest.skip("a gate of gloo's: nccl computes this on every release")
    return started(rank_groups, device, world_size)


def attempt(call) -> str:
    """What a collective did on a rank: "computed", or the error it raised, in one line (the
    rank answers instead of failing, so the group is kept for the next test)."""
    try:
        call()
        return "computed"
    except RuntimeError as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"


def tensor_on(array, device, rank):
    return torch.from_numpy(np.array(array)).to(rank_device(device, rank))


def host(tensor) -> np.ndarray:
    """A copy: DDP's gradients are views of its buckets, overwritten by the next backward."""
    return tensor.detach().cpu().numpy().copy()


@st.composite
def per_rank_arrays(draw, world_size, dtypes=COLLECTIVE_DTYPES):
    """One array per rank, all of one drawn dtype and shape, with small integer values (so
    that sums and products over three ranks are exact)."""
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(shapes(max_dims=3))
    return [draw(arrays(dtype, shape, small=True)) for _ in range(world_size)]


# --- collectives -----------------------------------------------------------------------------

def all_reduce_on_rank(rank, world_size, device, arrays_, op):
    tensor = tensor_on(arrays_[rank], device, rank)
    dist.all_reduce(tensor, op=getattr(dist.ReduceOp, op))
    return host(tensor)


@WORLD_SIZES
@ON_RANKS
@given(data=st.data())
def test_all_reduce_reduces_every_rank(ranks, device, world_size, data):
    """all_reduce(tensor, op) leaves op over the ranks' tensors on every rank."""
    arrays_ = data.draw(per_rank_arrays(world_size))
    dtype = torch.from_numpy(arrays_[0]).dtype
    op = data.draw(st.sampled_from(reduce_ops(device, dtype)), label="op")
    expected = REDUCTIONS[op](np.stack(arrays_), axis=0).astype(arrays_[0].dtype)
    for rank, result in enumerate(ranks.run(all_reduce_on_rank, device, arrays_, op)):
        assert_close_to(torch.from_numpy(result), expected, dtype=dtype)


def broadcast_on_rank(rank, world_size, device, arrays_, src):
    tensor = tensor_on(arrays_[rank], device, rank)
    dist.broadcast(tensor, src=src)
    return host(tensor)


@WORLD_SIZES
@ON_RANKS
@given(data=st.data())
def test_broadcast_copies_the_source_rank(ranks, device, world_size, data):
    """broadcast(tensor, src) gives every rank rank src's tensor, bit for bit."""
    arrays_ = data.draw(per_rank_arrays(world_size))
    src = data.draw(st.integers(0, world_size - 1), label="src")
    for rank, result in enumerate(ranks.run(broadcast_on_rank, device, arrays_, src)):
        np.testing.assert_array_equal(result, arrays_[src], err_msg=f"rank {rank}, src {src}")


def all_gather_on_rank(rank, world_size, device, arrays_):
    tensor = tensor_on(arrays_[rank], device, rank)
    gathered = [torch.empty_like(tensor) for _ in range(world_size)]
    dist.all_gather(gathered, tensor)
    return [host(part) for part in gathered]


@WORLD_SIZES
@ON_RANKS
@given(data=st.data())
def test_all_gather_collects_in_rank_order(ranks, device, world_size, data):
    """all_gather(list, tensor) fills list[i] with rank i's tensor, on every rank."""
    arrays_ = data.draw(per_rank_arrays(world_size))
    for rank, gathered in enumerate(ranks.run(all_gather_on_rank, device, arrays_)):
        assert len(gathered) == world_size
        for source, part in enumerate(gathered):
            np.testing.assert_array_equal(part, arrays_[source],
                                          err_msg=f"rank {rank}, slot {source}")


@st.composite
def per_rank_chunks(draw, world_size, dtypes=COLLECTIVE_DTYPES):
    """chunks[rank][r]: what rank `rank` contributes to rank r's output, all of one drawn dtype
    and shape, small integer values (exact sums and products)."""
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(shapes(max_dims=3))
    return [[draw(arrays(dtype, shape, small=True)) for _ in range(world_size)]
            for _ in range(world_size)]


def reduce_scatter_on_rank(rank, world_size, device, chunks, op, forms):
    """{form: this rank's output} for each form of reduce_scatter."""
    parts = [tensor_on(chunk, device, rank) for chunk in chunks[rank]]
    op = getattr(dist.ReduceOp, op)
    results = {}
    for form in forms:
        output = torch.empty_like(parts[0])
        if form == "list":
            dist.reduce_scatter(output, parts, op=op)
        else:
            whole = torch.stack(parts) if form == "stack" else torch.cat(parts)
            dist.reduce_scatter_tensor(output, whole, op=op)
        results[form] = host(output)
    return results


def scattered_oracle(chunks, rank, reduction):
    """Rank `rank`'s documented output: the reduction over the ranks of their chunk `rank`."""
    contributions = np.stack([per_rank[rank] for per_rank in chunks])
    return reduction(contributions, axis=0).astype(contributions.dtype)


@WORLD_SIZES
@ON_RANKS_UNSHRUNK
@given(data=st.data())
def test_reduce_scatter_reduces_then_scatters(ranks, device, world_size, data):
    """reduce_scatter(output, input_list, op) and reduce_scatter_tensor(output, input, op) with
    input the concatenation of the list: rank r gets op over the ranks of their r-th part."""
    chunks = data.draw(per_rank_chunks(world_size))
    dtype = torch.from_numpy(chunks[0][0]).dtype
    op = data.draw(st.sampled_from(reduce_ops(device, dtype)), label="op")
    forms = reduce_scatter_forms(device, chunks[0][0].shape)
    results = ranks.run(reduce_scatter_on_rank, device, chunks, op, forms)
    for rank, by_form in enumerate(results):
        expected = scattered_oracle(chunks, rank, REDUCTIONS[op])
        assert list(by_form) == forms
        for form, output in by_form.items():
            assert_close_to(torch.from_numpy(output), expected, dtype=dtype), (rank, form)


@pytest.mark.skipif(GLOO_REDUCE_SCATTER.applies(),
                    reason=f"{GLOO_REDUCE_SCATTER} (the new side is tested)")
@pytest.mark.parametrize("world_size", (2,), ids=lambda n: f"{n}ranks")
def test_gloo_reduce_scatter_is_refused_before_it_exists(gloo_ranks, world_size):
    """Before the release that added it, gloo refuses reduce_scatter of a list with a
    RuntimeError that says so, on every rank (never a wrong answer)."""
    for answer in gloo_ranks.run(refusal_on_rank, "reduce_scatter", "SUM"):
        assert answer == "RuntimeError: ProcessGroupGloo does not support reduce_scatter"


def refusal_on_rank(rank, world_size, collective, op):
    tensor = torch.ones(world_size, 2)
    op = getattr(dist.ReduceOp, op)
    calls = {"all_reduce": lambda: dist.all_reduce(tensor.clone(), op=op),
             "reduce": lambda: dist.reduce(tensor.clone(), 0, op=op),
             "reduce_scatter": lambda: dist.reduce_scatter(torch.empty(2), list(tensor), op=op)}
    return attempt(calls[collective])


def avg_on_rank(rank, world_size, device, chunks, dst, forms):
    """all_reduce, reduce to dst and every reduce_scatter form, each with ReduceOp.AVG."""
    whole = tensor_on(np.stack(chunks[rank]), device, rank)
    reduced, to_dst = whole.clone(), whole.clone()
    dist.all_reduce(reduced, op=dist.ReduceOp.AVG)
    dist.reduce(to_dst, dst, op=dist.ReduceOp.AVG)
    return {"all_reduce": host(reduced), "reduce": host(to_dst) if rank == dst else None,
            **reduce_scatter_on_rank(rank, world_size, device, chunks, "AVG", forms)}


def mean(values, axis):
    return np.mean(values, axis=axis, dtype=np.float64)


@GLOO_AVG.requires()
@WORLD_SIZES
@ON_RANKS_UNSHRUNK
@given(data=st.data())
def test_avg_is_the_mean_over_ranks(ranks, device, world_size, data):
    """ReduceOp.AVG (floating dtypes: no integer rounding is documented) in all_reduce, reduce
    and reduce_scatter: the ranks' values divided by the world size and summed, i.e. the mean."""
    chunks = data.draw(per_rank_chunks(world_size, FLOAT_DTYPES))
    dtype = torch.from_numpy(chunks[0][0]).dtype
    dst = data.draw(st.integers(0, world_size - 1), label="dst")
    forms = reduce_scatter_forms(device, chunks[0][0].shape)
    whole_mean = mean(np.stack([np.stack(per_rank) for per_rank in chunks]), axis=0)
    for rank, found in enumerate(ranks.run(avg_on_rank, device, chunks, dst, forms)):
        assert_close_to(torch.from_numpy(found["all_reduce"]), whole_mean, dtype=dtype)
        if rank == dst:
            assert_close_to(torch.from_numpy(found["reduce"]), whole_mean, dtype=dtype)
        for form in forms:
            assert_close_to(torch.from_numpy(found[form]), scattered_oracle(chunks, rank, mean),
                            dtype=dtype), (rank, form)


@pytest.mark.skipif(GLOO_AVG.applies(), reason=f"{GLOO_AVG} (the new side is tested)")
@pytest.mark.parametrize("world_size", (2,), ids=lambda n: f"{n}ranks")
@pytest.mark.parametrize("collective", ("all_reduce", "reduce"))
def test_gloo_avg_is_refused_before_it_exists(gloo_ranks, world_size, collective):
    """Before the release that added it, gloo refuses ReduceOp.AVG with a RuntimeError that says
    so, on every rank (never a wrong answer)."""
    for answer in gloo_ranks.run(refusal_on_rank, collective, "AVG"):
        assert answer == "RuntimeError: Cannot use ReduceOp.AVG with Gloo"


# --- DistributedDataParallel -----------------------------------------------------------------

def ddp(model, device, rank, **options):
    model = model.to(rank_device(device, rank))
    device_ids = [rank] if device == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids, **options)


def linear_model(weight, bias, device, rank):
    model = torch.nn.Linear(weight.shape[1], weight.shape[0], dtype=torch.float64)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(weight))
        model.bias.copy_(torch.from_numpy(bias))
    return ddp(model, device, rank)


def mse_backward(model, x, y, device, rank):
    prediction = model(tensor_on(x, device, rank))
    torch.nn.functional.mse_loss(prediction, tensor_on(y, device, rank)).backward()


def grads(model):
    return [host(model.module.weight.grad), host(model.module.bias.grad)]


def mse_gradient(weight, bias, x, y):
    """d/dW and d/db of mean((x W^T + b - y)^2) over every element: 2/(N*O) r^T x, 2/(N*O) sum r."""
    residual = x @ weight.T + bias - y
    scale = 2.0 / residual.size
    return [scale * residual.T @ x, scale * residual.sum(axis=0)]


@st.composite
def regression_problems(draw, world_size, micro_batches=1):
    """(weight, bias, [per rank: [(x, y) per micro-batch]]): float64, small integer values."""
    features, outputs, batch = (draw(st.integers(1, 4)) for _ in range(3))
    matrix = lambda *shape: draw(arrays(torch.float64, shape, small=True))  # noqa: E731
    weight, bias = matrix(outputs, features), matrix(outputs)
    shards = [[(matrix(batch, features), matrix(batch, outputs)) for _ in range(micro_batches)]
              for _ in range(world_size)]
    return weight, bias, shards


def gradient_on_rank(rank, world_size, device, weight, bias, shards):
    model = linear_model(weight, bias, device, rank)
    (x, y), = shards[rank]
    mse_backward(model, x, y, device, rank)
    return grads(model)


@WORLD_SIZES
@ON_RANKS
@given(data=st.data())
def test_ddp_gradient_is_the_whole_batch_gradient(ranks, device, world_size, data):
    """After backward of a mean loss on equal local batches, every rank holds the mean of the
    ranks' gradients: the gradient of the whole batch (the ranks' batches concatenated)."""
    weight, bias, shards = data.draw(regression_problems(world_size))
    x = np.concatenate([shard[0][0] for shard in shards])
    y = np.concatenate([shard[0][1] for shard in shards])
    expected = mse_gradient(weight, bias, x, y)
    for rank, found in enumerate(ranks.run(gradient_on_rank, device, weight, bias, shards)):
        for name, value, oracle in zip(("weight", "bias"), found, expected):
            assert_close_to(torch.from_numpy(value), oracle, dtype=torch.float64), (rank, name)


def no_sync_on_rank(rank, world_size, device, weight, bias, shards):
    model = linear_model(weight, bias, device, rank)
    (x_first, y_first), (x_second, y_second) = shards[rank]
    with model.no_sync():
        mse_backward(model, x_first, y_first, device, rank)
    local = grads(model)
    mse_backward(model, x_second, y_second, device, rank)
    return local, grads(model)


@WORLD_SIZES
@ON_RANKS
@given(data=st.data())
def test_no_sync_accumulates_locally_then_syncs(ranks, device, world_size, data):
    """Inside no_sync() a backward leaves each rank its own gradient; the first backward after
    it all-reduces the accumulated gradients: the mean over ranks of both micro-batches'."""
    weight, bias, shards = data.draw(regression_problems(world_size, micro_batches=2))
    per_rank = [[mse_gradient(weight, bias, x, y) for x, y in shard] for shard in shards]
    synced = [np.mean([first[i] + second[i] for first, second in per_rank], axis=0)
              for i in range(2)]
    results = ranks.run(no_sync_on_rank, device, weight, bias, shards)
    for rank, (local, after) in enumerate(results):
        for i in range(2):
            assert_close_to(torch.from_numpy(local[i]), per_rank[rank][0][i], dtype=torch.float64)
            assert_close_to(torch.from_numpy(after[i]), synced[i], dtype=torch.float64)


def perturbed_conv_bn_conv(seed):
    """ConvBnConv with its parameters and BatchNorm statistics drawn from `seed`."""
    torch.manual_seed(seed)
    model = ConvBnConv().double()
    with torch.no_grad():
        model.bn1.running_mean.normal_()
        model.bn1.running_var.uniform_(0.5, 2.0)
        model.bn1.num_batches_tracked.fill_(seed % 100)
    return model


def state_of(module) -> dict:
    return {name: host(value) for name, value in module.state_dict().items()}


def construction_on_rank(rank, world_size, device, seed, options):
    model = perturbed_conv_bn_conv(seed + rank)  # every rank starts from different values
    before = state_of(model)
    return before, state_of(ddp(model, device, rank, **options).module)


@WORLD_SIZES
@ON_RANKS
@given(seed=st.integers(0, 2**16))
def test_ddp_broadcasts_rank_0_state_at_construction(ranks, device, world_size, seed):
    """Constructing DDP copies rank 0's parameters and buffers to every rank, bit for bit."""
    results = ranks.run(construction_on_rank, device, seed, {})
    rank_0_before = results[0][0]
    assert not all(np.array_equal(rank_0_before["conv1.weight"], before["conv1.weight"])
                   for before, _ in results[1:]), "the ranks started equal: nothing was tested"
    for rank, (_, after) in enumerate(results):
        assert after.keys() == rank_0_before.keys()
        for name, value in after.items():
            np.testing.assert_array_equal(value, rank_0_before[name], err_msg=f"rank {rank} {name}")


@DDP_INIT_SYNC.requires()
@WORLD_SIZES
def test_ddp_init_sync_false_keeps_each_ranks_state(ranks, device, world_size):
    """init_sync=False: no collective at construction, each rank keeps its own values."""
    for rank, (before, after) in enumerate(
            ranks.run(construction_on_rank, device, 7, {"init_sync": False})):
        for name, value in after.items():
            np.testing.assert_array_equal(value, before[name], err_msg=f"rank {rank} {name}")


@pytest.mark.skipif(DDP_INIT_SYNC.applies(), reason=f"{DDP_INIT_SYNC} (the new side is tested)")
@pytest.mark.parametrize("world_size", (2,), ids=lambda n: f"{n}ranks")
def test_ddp_init_sync_is_refused_before_it_exists(ranks, device, world_size):
    """Before the release that added it, DDP(init_sync=...) is an unknown argument."""
    for answer in ranks.run(init_sync_refusal_on_rank, device):
        assert answer.startswith("TypeError: ") and "init_sync" in answer, answer


def init_sync_refusal_on_rank(rank, world_size, device):
    # answered, not raised: the refusal comes before any collective, so the group is kept
    model = perturbed_conv_bn_conv(7)
    try:
        ddp(model, device, rank, init_sync=False)
        return "constructed"
    except TypeError as error:
        return f"TypeError: {error}"


def buffers_on_rank(rank, world_size, device, batches, broadcast_buffers):
    model = ddp(torch.nn.BatchNorm2d(batches[0][0].shape[1], dtype=torch.float64), device, rank,
                broadcast_buffers=broadcast_buffers)
    for step in batches:
        model(tensor_on(step[rank], device, rank)).sum().backward()
    module = model.module
    return [host(module.running_mean), host(module.running_var),
            int(module.num_batches_tracked)]


@WORLD_SIZES
@pytest.mark.parametrize("broadcast_buffers", (True, False), ids=("broadcast", "local"))
@ON_RANKS
@given(data=st.data())
def test_broadcast_buffers_syncs_batchnorm_statistics_from_rank_0(
        ranks, device, world_size, broadcast_buffers, data):
    """Two training forwards of BatchNorm2d under DDP: with broadcast_buffers=True each forward
    starts from rank 0's running statistics; with False each rank keeps its own."""
    channels, batch = data.draw(st.integers(1, 3)), data.draw(st.integers(2, 4))
    height, width = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    batches = [[data.draw(arrays(torch.float64, (batch, channels, height, width), small=True))
                for _ in range(world_size)] for _ in range(2)]
    start = (np.zeros(channels), np.ones(channels))
    rank_0_first = ref.batch_norm_running_stats(*start, [batches[0][0]], momentum=0.1)
    results = ranks.run(buffers_on_rank, device, batches, broadcast_buffers)
    for rank, (mean, var, tracked) in enumerate(results):
        if broadcast_buffers:
            expected = ref.batch_norm_running_stats(*rank_0_first, [batches[1][rank]], 0.1)
        else:
            expected = ref.batch_norm_running_stats(*start, [step[rank] for step in batches], 0.1)
        assert_close_to(torch.from_numpy(mean), expected[0], dtype=torch.float64)
        assert_close_to(torch.from_numpy(var), expected[1], dtype=torch.float64)
        assert tracked == 2


SEED_MODELS = {"mlp": NeuralNetwork, "cnn": Net, "conv_bn_conv": ConvBnConv}


def state_dict_keys_on_rank(rank, world_size, device, model_name):
    model = ddp(SEED_MODELS[model_name](), device, rank)
    state = model.state_dict()
    wrapped = list(state)
    torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(state, "module.")
    missing, unexpected = SEED_MODELS[model_name]().load_state_dict(state, strict=False)
    return wrapped, list(state), missing + unexpected


@pytest.mark.parametrize("world_size", (2,), ids=lambda n: f"{n}ranks")
@pytest.mark.parametrize("model_name", SEED_MODELS)
def test_state_dict_keys_carry_the_module_prefix(ranks, device, world_size, model_name):
    """DDP's state_dict keys are the module's prefixed by `module.`;
    consume_prefix_in_state_dict_if_present(state, "module.") strips the prefix in place, and
    the result loads into the plain model with no missing or unexpected key."""
    keys = list(SEED_MODELS[model_name]().state_dict())
    for wrapped, stripped, mismatched in ranks.run(state_dict_keys_on_rank, device, model_name):
        assert wrapped == [f"module.{key}" for key in keys]
        assert stripped == keys
        assert mismatched == [], "the stripped state_dict does not load into the plain model"


LEARNING_RATE = 0.1
LOCAL_BATCH = 4


def training_data(seed, world_size):
    generator = np.random.default_rng(seed)
    images = generator.random((LOCAL_BATCH * world_size, 1, 28, 28))
    labels = generator.integers(0, 10, LOCAL_BATCH * world_size)
    return images, labels


def train(model, images, labels, steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(images), labels).backward()
        optimizer.step()
    return model


def training_on_rank(rank, world_size, device, model_name, seed, steps):
    torch.manual_seed(seed + rank)  # DDP's broadcast makes rank 0's initial weights everyone's
    model = ddp(SEED_MODELS[model_name]().double(), device, rank)
    images, labels = training_data(seed, world_size)
    shard = slice(rank * LOCAL_BATCH, (rank + 1) * LOCAL_BATCH)
    train(model, tensor_on(images[shard], device, rank), tensor_on(labels[shard], device, rank),
          steps)
    return state_of(model.module)


@WORLD_SIZES
@pytest.mark.parametrize("model_name", ("mlp", "cnn"))
@FEW
@given(seed=st.integers(0, 2**16), steps=st.integers(1, 3))
def test_ddp_training_equals_single_process_training(
        ranks, device, world_size, model_name, seed, steps):
    """k SGD steps of the seed MLP or CNN under DDP, each rank on its slice of the batch, end
    where k steps in one process on the whole batch end (float64: the two sum in other orders)."""
    torch.manual_seed(seed)
    images, labels = training_data(seed, world_size)
    single = train(SEED_MODELS[model_name]().double(), torch.from_numpy(images),
                   torch.from_numpy(labels), steps)
    expected = state_of(single)
    for rank, state in enumerate(ranks.run(training_on_rank, device, model_name, seed, steps)):
        for name, value in state.items():
            assert_close_to(torch.from_numpy(value), expected[name], dtype=torch.float64)


# --- DistributedSampler ----------------------------------------------------------------------

def shards_of(n, replicas, epoch=0, **options):
    """Each rank's indices for one epoch, from samplers told their rank explicitly."""
    shards = []
    for rank in range(replicas):
        sampler = torch.utils.data.distributed.DistributedSampler(
            range(n), num_replicas=replicas, rank=rank, **options)
        sampler.set_epoch(epoch)
        shards.append(list(sampler))
        assert len(sampler) == len(shards[-1]), "len(sampler) is not the shard's length"
    return shards


def check_partition(shards, n, drop_last):
    """Even shards; disjoint and complete when R divides n; otherwise padded with repeats
    (every index at least once) or, with drop_last, cut to disjoint shards of floor(n / R)."""
    replicas = len(shards)
    per_rank = n // replicas if drop_last else -(-n // replicas)
    assert [len(shard) for shard in shards] == [per_rank] * replicas, (n, replicas, drop_last)
    indices = [index for shard in shards for index in shard]
    assert set(indices) <= set(range(n))
    if drop_last or n % replicas == 0:
        assert len(set(indices)) == len(indices), f"shards overlap: {shards}"
    if not drop_last:
        assert set(indices) == set(range(n)), f"shards miss indices: {shards}"


@given(n=st.integers(0, 40), replicas=st.integers(1, 5), drop_last=st.booleans(),
       shuffle=st.booleans(), seed=st.integers(0, 2**16), epoch=st.integers(0, 100))
def test_distributed_sampler_shards_the_dataset(n, replicas, drop_last, shuffle, seed, epoch):
    """The ranks' shards are even and partition the dataset (padded, or cut by drop_last)."""
    shards = shards_of(n, replicas, epoch, drop_last=drop_last, shuffle=shuffle, seed=seed)
    check_partition(shards, n, drop_last)


@given(per_rank=st.integers(10, 12), replicas=st.integers(1, 4), seed=st.integers(0, 2**16),
       epochs=st.lists(st.integers(0, 100), min_size=2, max_size=2, unique=True))
def test_set_epoch_reshuffles_identically_on_every_rank(per_rank, replicas, seed, epochs):
    """set_epoch(e) before iterating: each epoch a different order, reproducible, and the same
    permutation on every rank (so the shards stay disjoint)."""
    n = per_rank * replicas  # n >= 10: two epochs share an order by chance with p <= 1/10!
    first, second = (shards_of(n, replicas, epoch, seed=seed) for epoch in epochs)
    for shards in (first, second):
        check_partition(shards, n, drop_last=False)
    assert first != second, f"epochs {epochs} gave the same order"
    assert shards_of(n, replicas, epochs[0], seed=seed) == first, "an epoch is not reproducible"


def default_sampler_on_rank(rank, world_size, n):
    sampler = torch.utils.data.distributed.DistributedSampler(range(n))
    return sampler.num_replicas, sampler.rank, list(sampler)


@WORLD_SIZES
@ON_RANKS
@given(n=st.integers(0, 20))
def test_distributed_sampler_takes_replicas_and_rank_from_the_group(ranks, device, world_size, n):
    """Without num_replicas and rank, the sampler reads them from the default process group."""
    results = ranks.run(default_sampler_on_rank, n)
    assert [(replicas, rank) for replicas, rank, _ in results] == [
        (world_size, rank) for rank in range(world_size)]
    check_partition([shard for _, _, shard in results], n, drop_last=False)


# --- last: on gloo this test kills its ranks (reference/bugs.py), which restart for a next test --

@pytest.mark.parametrize("world_size", (2,), ids=lambda n: f"{n}ranks")
def test_reduce_scatter_tensor_takes_the_stacked_form(ranks, device, world_size):
    """reduce_scatter_tensor's input may be "a stack of the output tensors along the primary
    dimension": rank r gets the sum over the ranks of their r-th row."""
    chunks = [[np.full((2,), 10 * source + r, dtype=np.float32) for r in range(world_size)]
              for source in range(world_size)]
    for rank, by_form in enumerate(ranks.run(stacked_reduce_scatter_on_rank, device, chunks)):
        np.testing.assert_array_equal(by_form["stack"], scattered_oracle(chunks, rank, np.sum))


def stacked_reduce_scatter_on_rank(rank, world_size, device, chunks):
    """reduce_scatter_on_rank's stacked form, with the rank's stderr closed meanwhile: where it
    aborts, gloo's fatal check and the interpreter's dump of every thread say nothing that the
    test's `rank 0 of 2 died (exit code -6)` does not."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        return reduce_scatter_on_rank(rank, world_size, device, chunks, "SUM", ["stack"])
    finally:
        os.dup2(saved, 2)
        os.close(saved)
