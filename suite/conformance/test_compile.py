"""torch.compile: the seeds' models and operations, compiled, behave as eager.

Documented in torch.compile's docstring and the torch.compiler docs ("torch.compile ... speeds
up PyTorch code ... while keeping the semantics of eager mode"; the troubleshooting and
"dynamic shapes" pages; torch._inductor.config.fallback_random), on the seeds' models
(suite/testing/models.py: seeds 000-004) and the operations the seeds use.

Oracle: eager torch, the documented reference of torch.compile (inductor's own check_model
compares the same way): the same function run uncompiled on clones of the same inputs, through
the float32 row of the tolerance table. Every test compiles inside its call through
suite.testing.compiling.compile_with, so a breakage's torch.compile is the one under test; dynamo
is reset around each test (no compiled code leaks between tests). Backends, and which variants
`--compile quick` runs: Note [compile backends] in suite/testing/compiling.py.

Inputs are drawn by hypothesis inside each test (`check` below), after the compile: dynamo's
cache then holds one function through all examples, and varying shapes exercise its automatic
dynamic recompilation as a user's varying batches do.
"""

import copy
import io
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from suite.testing import compiling, models
from suite.testing.tolerances import assert_close_to, to_numpy
from suite.testing.compiling import subnormals_kept  # noqa: F401 (autouse fixture)

ALPHA = 1e-6  # rate at which a correct torch fails a statistical check


@pytest.fixture(autouse=True)
def fresh_dynamo():
    with compiling.fresh_dynamo():
        yield


# What `--compile quick` runs: the aot_eager variant of every test, on these cases where a test
# has several, and inductor on the cases of QUICK_INDUCTOR only, at one shape: one seed op's
# forward and backward, so that the default run compiles C++ at least once. That is the first
# inductor compile of its process (the vector-ISA probe, inductor's own start-up), 19 s on the
# loaded 2-core VM, a seed model 30 s (README, "torch.compile"). `--compile full` runs every
# case on every backend.
QUICK_CASES = {"SingleConvModel", "MyLinearModel", "creation", "one_hot_scatter", "add_",
               "scatter_", "transpose", "slice"}
QUICK_INDUCTOR = {"one_hot_scatter"}


def use_backend(request, backend, device, case=None) -> str:
    """The backend of a variant, skipped with the reason where it cannot run here, or where it
    runs with --compile full only (QUICK_CASES)."""
    quick = (case in QUICK_INDUCTOR if backend == "inductor"
             else case is None or case in QUICK_CASES)
    compiling.require(backend, device, request.config, quick=quick)
    return backend


# inductor adds guards of its own (on a convolution's spatial sizes, for one): every new shape
# can be a new C++ compile of forward and backward, seconds each on a CPU, and hypothesis' 25
# shapes made one test take minutes. Its variants draw their values as aot_eager's do, but
# their shapes from two: the first compiles a static graph, the second dynamo's dynamic one
# (automatic dynamic); later examples reuse them. `--compile quick` draws from the first only:
# one compile of forward and backward.
def shapes(request, backend, strategy, inductor_shapes):
    """`strategy` for aot_eager; for inductor, one of `inductor_shapes` (the first if quick)."""
    if backend != "inductor":
        return strategy
    full = request.config.getoption("compile", "quick") == "full"
    return st.sampled_from(inductor_shapes if full else inductor_shapes[:1])


def tensor(array, device, requires_grad=False):
    return torch.tensor(array, device=device, requires_grad=requires_grad)


def seeds():
    return st.integers(0, 2**32 - 1)


def check(**strategies):
    """Run the decorated body now, over examples hypothesis draws (see the module docstring)."""
    def run(body):
        given(**strategies)(body)()
    return run


def assert_like_eager(actual, expected, what):
    assert isinstance(actual, torch.Tensor), f"{what}: {type(actual).__name__}, expected a tensor"
    try:
        assert_close_to(actual, to_numpy(expected), dtype=expected.dtype)
    except AssertionError as error:
        raise AssertionError(f"{what}: compiled differs from eager: {error}") from None


def outputs_and_grads(fn, inputs, params, grad_seed):
    """fn's output and the gradients of <output, g> (g random, fixed by grad_seed) for every
    input that requires grad and every parameter."""
    output = fn(*inputs)
    wrt = [t for t in inputs if t.requires_grad] + list(params)
    g = np.random.default_rng(grad_seed).standard_normal(tuple(output.shape)).astype(np.float32)
    grads = torch.autograd.grad(output, wrt, tensor(g, output.device).to(output.dtype))
    return output.detach(), grads


def assert_agrees(compiled, eager, inputs, params, grad_seed):
    """compiled and eager give the same outputs and gradients on clones of `inputs`, and leave
    the inputs as they were."""
    before = [t.detach().clone() for t in inputs]
    eager_out, eager_grads = outputs_and_grads(eager, [clone(t) for t in inputs], params, grad_seed)
    out, grads = outputs_and_grads(compiled, inputs, params, grad_seed)
    assert_like_eager(out, eager_out, "output")
    for index, (grad, eager_grad) in enumerate(zip(grads, eager_grads)):
        assert_like_eager(grad, eager_grad, f"gradient {index}")
    for index, (t, original) in enumerate(zip(inputs, before)):
        assert torch.equal(t.detach(), original), f"input {index} changed"


def clone(t):
    return t.detach().clone().requires_grad_(t.requires_grad)


# --- agreement with eager: the seeds' models ------------------------------------------------


@dataclass(frozen=True)
class SeedModel:
    name: str
    build: callable  # () -> module
    shape: callable  # (batch, side) -> input shape
    min_side: int = 1
    max_side: int = 1


SEED_MODELS = {model.name: model for model in (
    SeedModel("SingleConvModel", lambda: models.SingleConvModel(), lambda b, s: (b, 1, s, s), 3, 12),
    SeedModel("MyModel", models.MyModel, lambda b, s: (b, 1, s, s), 9, 14),
    SeedModel("MyNetwork", models.MyNetwork, lambda b, s: (b, 3, s, s), 8, 24),
    SeedModel("NeuralNetwork", models.NeuralNetwork, lambda b, s: (b, 1, 28, 28)),
    SeedModel("Net", models.Net, lambda b, s: (b, 1, 28, 28)),
    SeedModel("MyLinearModel", lambda: models.MyLinearModel(5, 3), lambda b, s: (b, 5)),
)}


@pytest.mark.parametrize("backend", compiling.BACKENDS)
@pytest.mark.parametrize("model_name", SEED_MODELS)
def test_seed_model_agrees_with_eager(request, device, model_name, backend):
    """Compiled, each seed model's forward and the gradients of its input and parameters equal
    eager's (train mode: BatchNorm normalizes with the batch's statistics), and its input is
    left unchanged."""
    use_backend(request, backend, device, model_name)
    spec = SEED_MODELS[model_name]
    torch.manual_seed(0)
    model = spec.build().to(device)
    compiled = compiling.compile_with(model, backend)
    min_batch = 2 if model_name == "MyNetwork" else 1  # batch statistics need two samples

    @check(size=shapes(request, backend, st.tuples(st.integers(min_batch, 4),
                                          st.integers(spec.min_side, spec.max_side)),
                       [(2, spec.min_side), (3, spec.max_side)]),
           seed=seeds())
    def body(size, seed):
        x = np.random.default_rng(seed).standard_normal(spec.shape(*size)).astype(np.float32)
        assert_agrees(compiled, model, [tensor(x, device, requires_grad=True)],
                      model.parameters(), seed + 1)


@pytest.mark.parametrize("backend", compiling.BACKENDS)
@pytest.mark.parametrize("model_name", ("resnet18", "mobilenet_v2"))
def test_torchvision_model_agrees_with_eager(request, torchvision, device, model_name, backend):
    """torchvision's resnet18 and mobilenet_v2 (seed 000 prints MobileNetV2), random weights,
    in eval mode on small images: compiled forward and input gradient equal eager's. Runs with
    --compile full (a large graph: a minute to compile on a CPU)."""
    use_backend(request, backend, device, case="full only")
    torch.manual_seed(0)
    model = getattr(torchvision.models, model_name)(weights=None).to(device).eval()
    compiled = compiling.compile_with(model, backend)

    # inductor: one image size, a big graph's compile each
    @check(side=shapes(request, backend, st.integers(32, 64), [40]), seed=seeds())
    def body(side, seed):
        x = np.random.default_rng(seed).standard_normal((1, 3, side, side)).astype(np.float32)
        assert_agrees(compiled, model, [tensor(x, device, requires_grad=True)], [], seed + 1)


# --- agreement with eager: the seeds' operations --------------------------------------------


def creation(x):
    rows, cols = x.shape
    return (x + torch.arange(cols, device=x.device) * torch.ones(rows, cols, device=x.device)
            + torch.full((rows, cols), 2.0, device=x.device) + torch.zeros_like(x))


def indexing(x):
    return torch.cat([x[1:, ::2].reshape(-1), x[..., -1], x[torch.tensor([0, -1], device=x.device)].reshape(-1)])


def conv_pool(x):
    rows, cols = x.shape
    image = x.reshape(1, 1, rows, cols).expand(2, 3, rows, cols)
    weight = torch.linspace(-1, 1, 6 * 3 * 2 * 2, device=x.device).reshape(6, 3, 2, 2)
    return F.max_pool2d(F.relu(F.conv2d(image, weight, padding=1)), 2, ceil_mode=True)


def one_hot_scatter(x):
    labels = x.argmax(1, keepdim=True)
    one_hot = torch.zeros(x.shape[0], x.shape[1], device=x.device).scatter_(1, labels, 1.0)
    return one_hot * x


def losses(x):
    target = torch.arange(x.shape[0], device=x.device) % x.shape[1]
    return torch.stack([F.cross_entropy(x, target), F.mse_loss(x, x.flip(0)),
                        F.nll_loss(F.log_softmax(x, 1), target), F.l1_loss(x, x.cos())])


SEED_OPS = {
    "creation": creation,
    "indexing": indexing,
    "cat_stack": lambda x: torch.stack([torch.cat([x, 2 * x], 1), torch.cat([-x, x * x], 1)]),
    "products": lambda x: torch.cat([(x @ x.T).reshape(-1), torch.mm(x.T, x).reshape(-1),
                                     torch.matmul(x, x[0])]),
    "reductions": lambda x: torch.cat([x.sum(0), x.mean(1), x.amax(1), x.std(0, unbiased=False),
                                       x.softmax(1).reshape(-1), x.logsumexp(0)]),
    "conv_pool": conv_pool,
    "one_hot_scatter": one_hot_scatter,
    "losses": losses,
}


@pytest.mark.parametrize("backend", compiling.BACKENDS)
@pytest.mark.parametrize("op_name", SEED_OPS)
def test_seed_op_agrees_with_eager(request, device, op_name, backend):
    """The seeds' operations (creation, indexing, cat/stack, products, reductions, conv/pool,
    one-hot scatter_, losses), compiled, give eager's values and gradients."""
    use_backend(request, backend, device, op_name)
    fn = SEED_OPS[op_name]
    compiled = compiling.compile_with(fn, backend)

    @check(shape=shapes(request, backend, st.tuples(st.integers(2, 6), st.integers(2, 6)),
                       [(2, 3), (5, 4)]),
           seed=seeds())
    def body(shape, seed):
        x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
        assert_agrees(compiled, fn, [tensor(x, device, requires_grad=True)], [], seed + 1)


# --- semantics compile keeps ----------------------------------------------------------------


def add_in_place(t, other):
    return t.add_(other)


def zero_a_column(t, other):
    t[:, 1] = 0
    return t * other


def scatter_ones(t, other):
    return t.scatter_(1, (other > 0).long(), 1.0)


MUTATIONS = {"add_": add_in_place, "setitem": zero_a_column, "scatter_": scatter_ones}


@pytest.mark.parametrize("backend", compiling.BACKENDS)
@pytest.mark.parametrize("mutation", MUTATIONS)
def test_input_mutation_matches_eager(request, device, mutation, backend):
    """A compiled function that mutates its input (add_, t[:, 1] = 0, scatter_) mutates it as
    eager does, and returns what eager returns; the other input is left alone."""
    use_backend(request, backend, device, mutation)
    fn = MUTATIONS[mutation]
    compiled = compiling.compile_with(fn, backend)

    @check(shape=shapes(request, backend, st.tuples(st.integers(1, 5), st.integers(2, 5)),
                       [(2, 3), (4, 5)]),
           seed=seeds())
    def body(shape, seed):
        rng = np.random.default_rng(seed)
        t_np, other_np = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
        t, other = tensor(t_np, device), tensor(other_np, device)
        eager_t = t.clone()
        expected = fn(eager_t, other.clone())
        result = compiled(t, other)
        assert_like_eager(t, eager_t, f"the input after {mutation}")
        assert_like_eager(result, expected, "the result")
        assert_close_to(other, other_np)


VIEWS = {
    "view": lambda x: x.view(-1),
    "transpose": lambda x: x.t(),
    "slice": lambda x: x[1:],
    "unsqueeze": lambda x: x.unsqueeze(0),
    "diagonal": lambda x: x.diagonal(),
}


@pytest.mark.parametrize("backend", compiling.BACKENDS)
@pytest.mark.parametrize("view", VIEWS)
def test_returned_view_aliases_its_input(request, device, view, backend):
    """A view a compiled function returns aliases its input as eager's does: the same storage,
    shape, strides and offset, and a write through it shows in the input."""
    use_backend(request, backend, device, view)
    fn = VIEWS[view]
    compiled = compiling.compile_with(fn, backend)

    @check(shape=shapes(request, backend, st.tuples(st.integers(2, 5), st.integers(1, 5)),
                       [(2, 3), (4, 5)]),
           seed=seeds())
    def body(shape, seed):
        x = tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32), device)
        expected, result = fn(x), compiled(x)
        assert result.untyped_storage().data_ptr() == x.untyped_storage().data_ptr(), "a copy"
        assert (result.shape, result.stride(), result.storage_offset()) == (
            expected.shape, expected.stride(), expected.storage_offset())
        result.fill_(7.0)
        assert torch.equal(expected, torch.full_like(expected, 7.0)), "the write is not in x"


GRAD_MODES = {"no_grad": torch.no_grad, "inference_mode": torch.inference_mode}


@pytest.mark.parametrize("backend", compiling.BACKENDS)
@pytest.mark.parametrize("mode", GRAD_MODES)
def test_grad_mode_is_honoured(request, device, mode, backend):
    """Under no_grad a compiled function's output has no grad_fn, under inference_mode it is an
    inference tensor, as in eager; outside them gradients flow again (seed 002: torch.no_grad()
    for inference)."""
    use_backend(request, backend, device)
    torch.manual_seed(0)
    model = models.MyLinearModel(4, 3).to(device)
    compiled = compiling.compile_with(model, backend)
    x = torch.randn(2, 4, device=device)
    with GRAD_MODES[mode]():
        expected, result = model(x), compiled(x)
    assert result.requires_grad == expected.requires_grad == False  # noqa: E712
    assert result.is_inference() == expected.is_inference() == (mode == "inference_mode")
    assert_like_eager(result, expected, f"the output under {mode}")
    assert compiled(x).requires_grad, "no gradient outside the grad mode"


@pytest.mark.parametrize("backend", compiling.BACKENDS)
def test_dropout_follows_train_and_eval(request, device, backend):
    """model.eval() makes Dropout the identity, model.train() drops again: the compiled model
    follows each switch (seed 002: model.eval() before inference). In train mode each output is
    0 or eval's output scaled by 1/(1-p) (nn.Dropout's documentation)."""
    use_backend(request, backend, device)
    p = 0.5
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 64), nn.Dropout(p)).to(device)
    compiled = compiling.compile_with(model, backend)
    x = torch.randn(32, 16, device=device)
    for _ in range(2):
        model.eval()
        eval_out = model(x).detach()
        assert_like_eager(compiled(x).detach(), eval_out, "eval mode")
        model.train()
        train_out = compiled(x).detach()
        dropped = train_out == 0
        assert 0 < dropped.sum() < dropped.numel(), "train mode drops nothing (or everything)"
        assert_like_eager(train_out[~dropped], eval_out[~dropped] / (1 - p), "kept elements")


@pytest.mark.parametrize("backend", compiling.BACKENDS)
def test_batchnorm_running_stats_update_like_eager(request, device, backend):
    """In train mode a compiled model's BatchNorm updates running_mean, running_var and
    num_batches_tracked as eager's does; in eval mode it normalizes with them (seed 004's
    Conv-BN-Conv model; nn.BatchNorm2d's documentation)."""
    use_backend(request, backend, device)
    torch.manual_seed(0)
    eager = models.ConvBnConv().to(device)
    model = copy.deepcopy(eager)
    compiled = compiling.compile_with(model, backend)

    @check(seed=seeds())  # one shape: each new one would compile again
    def body(seed):
        x = tensor(np.random.default_rng(seed).standard_normal((4, 1, 3, 3)).astype(np.float32),
                   device)
        for module in (eager, model):
            module.train()
        assert_like_eager(compiled(x).detach(), eager(x).detach(), "train mode")
        for name, buffer in eager.bn1.named_buffers():
            assert_like_eager(getattr(model.bn1, name), buffer, f"bn1.{name}")
        for module in (eager, model):
            module.eval()
        assert_like_eager(compiled(x).detach(), eager(x).detach(), "eval mode")


@pytest.mark.parametrize("backend", compiling.BACKENDS)
def test_dropout_with_fallback_random_matches_eager_stream(request, device, backend):
    """With torch._inductor.config.fallback_random = True, compiled dropout draws eager's random
    stream: after the same torch.manual_seed, the same elements are dropped (the config's
    documented purpose: random ops fall back to eager's for debugging)."""
    use_backend(request, backend, device)
    from torch._inductor import config

    with config.patch(fallback_random=True):
        compiled = compiling.compile_with(lambda x: F.dropout(x, 0.5, training=True) * 3, backend)

        @check(rows=st.integers(1, 16), seed=seeds())
        def body(rows, seed):
            x = torch.ones(rows, 64, device=device)
            torch.manual_seed(seed)
            expected = F.dropout(x, 0.5, training=True) * 3
            torch.manual_seed(seed)
            assert_like_eager(compiled(x), expected, "dropout after the same seed")


@pytest.mark.parametrize("backend", compiling.BACKENDS)
def test_dropout_keeps_its_statistics(request, device, backend):
    """Without fallback_random, compiled dropout draws its own stream; the documented
    statistics hold: each element is zeroed with probability p (binomial test) and the rest
    are scaled by 1/(1-p)."""
    use_backend(request, backend, device)
    compiled = compiling.compile_with(lambda x, p: F.dropout(x, p, training=True), backend)

    @check(p=st.sampled_from([0.1, 0.5, 0.8]), seed=seeds())
    def body(p, seed):
        torch.manual_seed(seed)
        out = compiled(torch.ones(4096, device=device), p)
        zeros = int((out == 0).sum())
        assert scipy.stats.binomtest(zeros, out.numel(), p).pvalue > ALPHA, (
            f"{zeros} of {out.numel()} zeroed at p={p}")
        assert_close_to(out[out != 0], np.full(out.numel() - zeros, 1 / (1 - p), np.float32))


# --- recompilation --------------------------------------------------------------------------


@pytest.mark.parametrize("backend", compiling.BACKENDS)
@pytest.mark.parametrize("dynamic", (True, None), ids=("dynamic_true", "automatic_dynamic"))
def test_varying_batch_does_not_recompile(request, device, dynamic, backend):
    """With dynamic=True one graph serves every batch size; with the default (dynamic=None)
    dynamo recompiles once, dynamically, at the second size, and never again (torch.compile's
    docstring, `dynamic`). Sizes from 2 on: 0 and 1 are specialized by design."""
    use_backend(request, backend, device)
    counter = compiling.counter(backend)
    torch.manual_seed(0)
    model = models.MyLinearModel(5, 3).to(device)
    compiled = compiling.compile_with(model, counter, dynamic=dynamic)
    sizes = (2, 3, 5, 8, 7)
    for size in sizes:
        x = torch.randn(size, 5, device=device)
        assert_like_eager(compiled(x).detach(), model(x).detach(), f"batch {size}")
    assert counter.frame_count == (1 if dynamic else 2), (
        f"{counter.frame_count} compilations for batch sizes {sizes}")


@pytest.mark.parametrize("backend", ("inductor",))  # an inductor case: handed out first
def test_inductor_leaves_subnormals_alone(backend):
    """Running inductor's compiled CPU code leaves the process's floating-point mode alone:
    afterwards, eager torch and Python keep subnormal numbers (flushing them is opt-in,
    torch.set_flush_denormal, off by default). Compiled with -ffast-math, a kernel's library
    sets flush-to-zero for the whole thread when it is loaded."""
    compiling.require(backend, "cpu")
    smallest = 5e-324  # float64's smallest subnormal
    assert smallest * 1.0 != 0.0, "subnormals were already flushed before this test"
    with compiling.fresh_dynamo():
        compiled = compiling.compile_with(lambda x: x * 2 + 1, backend)
        assert_like_eager(compiled(torch.ones(8)), torch.full((8,), 3.0), "x * 2 + 1")
    # (the autouse subnormals_kept turns flush-to-zero off again after the test)
    assert (torch.tensor([1e-40]) * 1).item() != 0.0, "a float32 subnormal became 0 in eager torch"
    assert smallest * 1.0 != 0.0, "a float64 subnormal became 0 in Python"


GUARDS = {
    "dtype": lambda x: x.double(),
    "requires_grad": lambda x: x.requires_grad_(True),
}


@pytest.mark.parametrize("backend", compiling.BACKENDS)
@pytest.mark.parametrize("guard", GUARDS)
def test_guard_change_recompiles(request, device, guard, backend):
    """A call whose input differs in what the compiled code assumed (dtype, requires_grad)
    compiles again and gives eager's result, with eager's dtype and autograd."""
    use_backend(request, backend, device)
    counter = compiling.counter(backend)
    fn = lambda x: (x.sin() * 2).sum(0)  # noqa: E731
    compiled = compiling.compile_with(fn, counter)
    x = torch.randn(3, 4, device=device)
    assert_like_eager(compiled(x), fn(x), "the first call")
    changed = GUARDS[guard](x.clone())
    result, expected = compiled(changed), fn(clone(changed))
    assert counter.frame_count == 2, f"{counter.frame_count} compilations after a {guard} change"
    assert result.requires_grad == expected.requires_grad
    assert_like_eager(result.detach(), expected.detach(), f"after the {guard} change")


# --- state_dict of a compiled model ---------------------------------------------------------

PREFIX = "_orig_mod."


@pytest.mark.parametrize("backend", compiling.BACKENDS)
def test_compiled_state_dict_prefixes_orig_mod(request, device, backend):
    """torch.compile(model) wraps the model (OptimizedModule, the model as `_orig_mod`): its
    state_dict holds the model's tensors themselves, each key prefixed `_orig_mod.`."""
    use_backend(request, backend, device)
    model = models.ConvBnConv().to(device)
    compiled = compiling.compile_with(model, backend)
    assert compiled._orig_mod is model
    state, plain = compiled.state_dict(), model.state_dict()
    assert list(state) == [PREFIX + key for key in plain]
    for key, value in plain.items():
        assert state[PREFIX + key] is value or state[PREFIX + key].data_ptr() == value.data_ptr(), key


@pytest.mark.parametrize("backend", compiling.BACKENDS)
def test_compiled_state_dict_loads_into_a_plain_model(request, device, backend):
    """A compiled model's state_dict, saved and loaded (torch.save / torch.load), loads into a
    plain model once the prefix is removed (torch.nn.modules.utils.
    consume_prefix_in_state_dict_if_present), which then computes what the compiled model does;
    with the prefix, a strict load_state_dict refuses it (missing and unexpected keys)."""
    use_backend(request, backend, device)
    torch.manual_seed(0)
    model = models.MyModel().to(device)
    compiled = compiling.compile_with(model, backend)
    x = torch.randn(2, 1, 12, 12, device=device)
    buffer = io.BytesIO()
    torch.save(compiled.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer)
    with pytest.raises(RuntimeError, match="Missing key"):
        models.MyModel().to(device).load_state_dict(state)
    from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present

    consume_prefix_in_state_dict_if_present(state, PREFIX)
    plain = models.MyModel().to(device)
    plain.load_state_dict(state)
    for name, value in model.state_dict().items():
        assert_like_eager(plain.state_dict()[name], value, name)
    assert_like_eager(plain(x).detach(), compiled(x).detach(), "the loaded model's output")
