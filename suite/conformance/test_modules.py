"""nn.Module: the module tree, Parameter / Buffer / Tensor, containers, surgery, modes.

Seeds: 000 (state_dict names conv.weight, conv.bias), 001 (nn.Module, forward: `a(x)` is
`a.forward(x)`; .modules(), state_dict(), parameters()), 002 (모델 매개변수: named_parameters of
the NeuralNetwork's linear_relu_stack; model.eval() before inference; torch.no_grad()),
004 (모델 만들기: the Tensor / Parameter / Buffer table, the containers Sequential,
ModuleList and ModuleDict, 모델 파헤치기: named_parameters of the Conv-BN-Conv model,
사전학습된 모델 커스텀 하기: the four ways to reach a submodule, named_modules, replacing
the last layer, add_module and insert). nn.init (004's initialize_weights) is test_init.py.

Oracles: the expected names of a module tree come from a plain-Python walk of the spec it
was built from, never from torch; values from numpy (reference/nn.py and the formulas of
the BatchNorm2d and Dropout documentation, scipy.stats' binomial test for Dropout's
zeroes); parameter counts from in*out+out.
"""

from dataclasses import dataclass

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given
from hypothesis import strategies as st

from reference import nn as ref
from suite.testing.architectures import (
    SIDE,
    build,
    describe,
    expected_parameters,
    expected_state_keys,
    trees,
    walk,
)
from suite.testing.claims import covers
from suite.testing.models import (
    MyLinearModel,
    MyModel,
    NeuralNetwork,
    ParameterBufferTensor,
)
from suite.testing.strategies import arrays, shapes
from suite.testing.tolerances import assert_close_to, to_numpy

# The rate at which a correct torch fails a statistical check: each example draws its torch
# seed, so it reruns identically (25 examples: at most one false failure in 4 * 10^4 runs).
ALPHA = 1e-6
SEED = 0


# --- module trees: suite/testing/architectures.py draws them and is their oracle ---


def same_objects(found, expected) -> bool:
    found, expected = list(found), list(expected)
    return len(found) == len(expected) and all(a is b for a, b in zip(found, expected))


# --- the module tree ---


@given(spec=trees())
def test_named_parameters_recurse_in_registration_order(spec):
    """named_parameters() yields every parameter of the tree, modules in registration order,
    with dotted names (seed 002: linear_relu_stack.0.weight); parameters() is the same list."""
    model = build(spec)
    named = list(model.named_parameters())
    found = [(name, tuple(p.shape)) for name, p in named]
    assert found == expected_parameters(spec), f"for {describe(spec)}"
    assert same_objects(model.parameters(), (p for _, p in named)), "parameters() differs"
    for name, p in named:
        path, _, attribute = name.rpartition(".")
        assert p is getattr(model.get_submodule(path), attribute), f"{name} is another tensor"
    assert list(model.named_parameters(recurse=False)) == [], "the root holds no parameter"


@given(spec=trees())
def test_named_modules_walk_the_tree_from_the_root(spec):
    """named_modules() yields the root (named "") then every submodule depth-first in
    registration order; modules() is the same list; get_submodule("a.b") finds each one;
    children() / named_children() are the direct children only."""
    model = build(spec)
    named = list(model.named_modules())
    expected = [(name, node.kind) for name, node in walk(spec)]
    assert [(name, type(m).__name__) for name, m in named] == expected, f"for {describe(spec)}"
    assert named[0][1] is model
    assert same_objects(model.modules(), (m for _, m in named)), "modules() differs"
    for name, module in named[1:]:
        assert model.get_submodule(name) is module, f"get_submodule({name!r})"
    top = [name for name, _ in spec.children]
    assert [name for name, _ in model.named_children()] == top
    assert same_objects(model.children(), (getattr(model, name) for name in top))


@given(spec=trees())
def test_state_dict_holds_parameters_then_buffers_in_registration_order(spec):
    """state_dict() holds each module's parameters then its persistent buffers (BatchNorm's
    running_mean, running_var, num_batches_tracked), modules in registration order (seed 000:
    conv.weight, conv.bias), as references sharing the parameters' memory."""
    model = build(spec)
    state = model.state_dict()
    assert list(state) == expected_state_keys(spec), f"for {describe(spec)}"
    for name, p in model.named_parameters():
        assert state[name].data_ptr() == p.data_ptr(), f"state_dict()[{name!r}] is a copy"


@covers("001-call-is-forward")
def test_call_runs_forward(device):
    """Seed 001: `a(x)` runs `a.forward(x)`: relu(conv2(relu(conv1(x)))), 5x5 kernels, so a
    12x12 input gives 20 channels of 4x4 (conv output size 12-5+1 = 8, then 8-5+1 = 4)."""
    torch.manual_seed(SEED)
    a = MyModel().to(device=device, dtype=torch.float64)
    x = torch.rand((1, 1, 12, 12), dtype=torch.float64, device=device)
    side = ref.conv_output_size(ref.conv_output_size(12, 5), 5)
    hidden = ref.relu(ref.conv2d(to_numpy(x), to_numpy(a.conv1.weight), to_numpy(a.conv1.bias)))
    expected = ref.relu(ref.conv2d(hidden, to_numpy(a.conv2.weight), to_numpy(a.conv2.bias)))
    assert expected.shape == (1, 20, side, side)
    assert_close_to(a(x), expected)
    assert_close_to(a.forward(x), expected)


def test_submodule_access_patterns_reach_the_same_object():
    """Seed 004: classifier[0], get_submodule("classifier")[0], get_submodule("classifier.0")
    and _modules["classifier"]._modules["0"] are one and the same module."""
    nn = torch.nn
    dropout, linear, relu = nn.Dropout(), nn.Linear(4, 3), nn.ReLU()
    model = nn.Module()
    model.classifier = nn.Sequential(dropout, linear, relu)
    ways = {
        "classifier[0]": model.classifier[0],
        'get_submodule("classifier")[0]': model.get_submodule("classifier")[0],
        'get_submodule("classifier.0")': model.get_submodule("classifier.0"),
        '_modules["classifier"]._modules["0"]': model._modules["classifier"]._modules["0"],
    }
    for way, found in ways.items():
        assert found is dropout, f"{way} is not the registered Dropout"
    assert model.classifier[-1] is relu
    assert same_objects(model.classifier[1:], [linear, relu]), "a slice holds other modules"


# --- Parameter, buffer, plain tensor (seed 004's table) ---


@dataclass(frozen=True)
class Row:
    in_parameters: bool
    in_state_dict: bool  # 모델 저장시 값 저장
    moves_with_to: bool
    gets_grad: bool  # gradient 계산
    updated_by_step: bool  # 값 업데이트


TABLE = {
    "parameter": Row(in_parameters=True, in_state_dict=True, moves_with_to=True, gets_grad=True,
                     updated_by_step=True),
    "buffer": Row(in_parameters=False, in_state_dict=True, moves_with_to=True, gets_grad=False,
                  updated_by_step=False),
    "tensor": Row(in_parameters=False, in_state_dict=False, moves_with_to=False, gets_grad=False,
                  updated_by_step=False),
}


@covers("004-parameter-buffer-tensor-table")
@pytest.mark.parametrize("kind", TABLE)
def test_parameter_buffer_tensor_table(device, kind):
    """Seed 004's table: a Parameter is in parameters() and state_dict(), gets a gradient and
    is updated by an optimizer step; a buffer is saved but gets neither; a plain tensor
    attribute is none of these. Module.to() moves parameters and buffers, not plain tensors."""
    row = TABLE[kind]
    model = ParameterBufferTensor()
    attribute = getattr(model, kind)
    assert any(p is attribute for p in model.parameters()) == row.in_parameters
    saved = list(model.state_dict())
    assert (kind in saved) == row.in_state_dict, f"state_dict: {saved}"

    # buffer and tensor are one tensor object (the seed registers self.tensor): 7 * 7
    (model.parameter * model.buffer * model.tensor).sum().backward()
    assert (attribute.grad is not None) == row.gets_grad
    if row.gets_grad:
        assert_close_to(attribute.grad, np.array([49.0], dtype=np.float32))
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    value = 7.0 - 0.1 * 49.0 if row.updated_by_step else 7.0  # p - lr * grad
    assert_close_to(attribute.detach(), np.array([value], dtype=np.float32))

    model.to(device=device, dtype=torch.float64)
    moved = getattr(model, kind)
    is_moved = moved.dtype == torch.float64 and moved.device.type == torch.device(device).type
    assert is_moved == row.moves_with_to, f"after .to(): {moved.dtype} on {moved.device}"
    expected = np.array([value], dtype=np.float32)  # the float32 value, widened exactly if moved
    assert_close_to(moved.detach(), expected.astype(np.float64) if is_moved else expected)


def test_non_persistent_buffer_moves_but_is_not_saved(device):
    """register_buffer(name, t, persistent=False): a buffer (named_buffers, moved by .to())
    that state_dict() leaves out and load_state_dict() does not ask for."""
    def make():
        module = torch.nn.Module()
        module.register_buffer("saved", torch.zeros(2))
        module.register_buffer("scratch", torch.ones(3), persistent=False)
        return module

    module = make()
    state = module.state_dict()
    assert list(state) == ["saved"], f"state_dict: {list(state)}"
    assert [name for name, _ in module.named_buffers()] == ["saved", "scratch"]
    module.to(device=device, dtype=torch.float64)
    for name in ("saved", "scratch"):
        buffer = getattr(module, name)
        assert buffer.dtype == torch.float64, f"{name} not moved by .to()"
        assert buffer.device.type == torch.device(device).type
    result = make().load_state_dict(state)  # strict: it must not miss "scratch"
    assert not result.missing_keys and not result.unexpected_keys


# --- containers and model surgery ---

# container name -> whether it registers its modules (a plain list does not)
CONTAINERS = {"Sequential": True, "ModuleList": True, "ModuleDict": True, "list": False}


def wrap_layers(kind, layers):
    if kind == "list":
        return list(layers)
    if kind == "ModuleDict":
        return torch.nn.ModuleDict({f"layer{i}": layer for i, layer in enumerate(layers)})
    if kind == "Sequential":
        return torch.nn.Sequential(*layers)
    return torch.nn.ModuleList(layers)


@pytest.mark.parametrize("kind", CONTAINERS)
def test_containers_register_their_modules(device, kind):
    """Seed 004: Sequential, ModuleList and ModuleDict register their modules: their
    parameters are the holder's, named through the container, and move with .to(); the
    modules of a plain Python list attribute are not registered."""
    layers = [torch.nn.Linear(2, 3), torch.nn.Linear(3, 1)]
    holder = torch.nn.Module()
    holder.layers = wrap_layers(kind, layers)
    registered = CONTAINERS[kind]
    own = [p for layer in layers for p in (layer.weight, layer.bias)]
    assert same_objects(holder.parameters(), own if registered else []), f"{kind}: parameters()"
    keys = ["layer0", "layer1"] if kind == "ModuleDict" else ["0", "1"]
    names = [f"layers.{key}.{p}" for key in keys for p in ("weight", "bias")]
    assert [name for name, _ in holder.named_parameters()] == (names if registered else [])
    holder.to(device=device, dtype=torch.float64)
    expected_dtype = torch.float64 if registered else torch.float32
    expected_device = torch.device(device).type if registered else "cpu"
    assert all(p.dtype == expected_dtype and p.device.type == expected_device for p in own), (
        f"{kind}: .to() and its modules"
    )


LAYER_SIZES = [(28 * 28, 512), (512, 512), (512, 10)]  # seed 002's linear_relu_stack


def linear_count(sizes):
    return sum(fan_in * out + out for fan_in, out in sizes)


# seed 004: classifier[6] = nn.Identity() (delete) or nn.Linear(4096, 10) (replace)
REPLACEMENTS = {
    "Identity": (lambda: torch.nn.Identity(), 512, []),
    "Linear(512, 3)": (lambda: torch.nn.Linear(512, 3), 3, [(512, 3)]),
}


@pytest.mark.parametrize("replacement", REPLACEMENTS)
def test_replace_last_layer(device, replacement):
    """Assigning seq[4] = module replaces the last layer of seed 002's linear_relu_stack: the
    output follows it and the parameter count is the sum of in*out+out over the Linears."""
    make, out_features, extra = REPLACEMENTS[replacement]
    torch.manual_seed(SEED)
    model = NeuralNetwork()
    assert sum(p.numel() for p in model.parameters()) == linear_count(LAYER_SIZES)
    old_last = model.linear_relu_stack[4]
    new_last = make()
    model.linear_relu_stack[4] = new_last
    model.to(device=device, dtype=torch.float64)
    assert model.get_submodule("linear_relu_stack.4") is new_last
    assert sum(p.numel() for p in model.parameters()) == linear_count(LAYER_SIZES[:2] + extra)
    assert not any(p is old_last.weight for p in model.parameters()), "the old layer still counts"

    x = np.random.default_rng(SEED).random((2, 1, 28, 28))
    stack = model.linear_relu_stack
    hidden = x.reshape(2, -1)
    for layer in (stack[0], stack[2]):
        hidden = ref.relu(ref.linear(hidden, to_numpy(layer.weight), to_numpy(layer.bias)))
    if extra:
        hidden = ref.linear(hidden, to_numpy(new_last.weight), to_numpy(new_last.bias))
    assert hidden.shape == (2, out_features)
    assert_close_to(model(torch.tensor(x, device=device)), hidden)


def test_sequential_append_insert_add_module(device):
    """Sequential.append adds at the end, insert(i, m) at position i (seed 004:
    features.insert(1, nn.Identity())), add_module(name, m) at the end under its name; len,
    indexing, the children's names and forward all follow the new order."""
    nn = torch.nn
    first, relu, last, extra = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Linear(4, 2)
    seq = nn.Sequential(first, relu)
    assert len(seq) == 2
    seq.append(last)
    assert len(seq) == 3 and seq[2] is last and seq[-1] is last
    identity = nn.Identity()
    seq.insert(1, identity)
    assert same_objects(seq, [first, identity, relu, last]), [type(m).__name__ for m in seq]
    assert [name for name, _ in seq.named_children()] == ["0", "1", "2", "3"]
    seq.add_module("extra", extra)
    assert len(seq) == 5 and seq[4] is extra and seq.extra is extra
    assert [name for name, _ in seq.named_parameters()] == [
        "0.weight", "0.bias", "3.weight", "3.bias", "extra.weight", "extra.bias",
    ]

    seq.to(device=device, dtype=torch.float64)
    x = np.random.default_rng(SEED).random((5, 2))
    expected = ref.relu(ref.linear(x, to_numpy(first.weight), to_numpy(first.bias)))
    for layer in (last, extra):
        expected = ref.linear(expected, to_numpy(layer.weight), to_numpy(layer.bias))
    assert_close_to(seq(torch.tensor(x, device=device)), expected)


def test_child_added_to_a_leaf_is_registered_but_not_run(device):
    """Seed 004: features[11].add_module('100', nn.BatchNorm2d(256)) on a ReLU registers the
    BatchNorm (named_modules "11.100", its parameters count), but ReLU's forward never calls
    it: the output is unchanged and the BatchNorm sees no batch."""
    nn = torch.nn
    seq = nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU(), nn.Conv2d(2, 2, 1)).to(device)
    x = torch.randn(2, 1, 3, 3, device=device)
    before = to_numpy(seq(x))
    count = sum(p.numel() for p in seq.parameters())
    batchnorm = nn.BatchNorm2d(2).to(device)
    seq[1].add_module("100", batchnorm)
    assert dict(seq.named_modules()).get("1.100") is batchnorm, "the child is not registered"
    assert sum(p.numel() for p in seq.parameters()) == count + 2 * 2
    assert any(p is batchnorm.weight for p in seq.parameters())
    np.testing.assert_array_equal(to_numpy(seq(x)), before, err_msg="forward changed")
    assert int(batchnorm.num_batches_tracked) == 0, "the added BatchNorm was run"


# --- modes: train / eval, Dropout, BatchNorm, no_grad / inference_mode ---


@given(spec=trees())
def test_train_and_eval_reach_every_submodule(spec):
    """eval() sets .training = False on the module and every submodule and returns the module;
    train() sets it back to True (seed 002: model.eval() before inference)."""
    model = build(spec)
    names = [name for name, _ in walk(spec)]
    assert model.eval() is model
    stuck = [name for name in names if model.get_submodule(name).training]
    assert not stuck, f"still training after eval(): {stuck} in {describe(spec)}"
    assert model.train() is model
    stuck = [name for name in names if not model.get_submodule(name).training]
    assert not stuck, f"not training after train(): {stuck} in {describe(spec)}"


# p: the probability of an element to be zeroed; Dropout accepts [0, 1]
dropout_ps = st.floats(0.0, 1.0, exclude_max=True)
dropout_inputs = arrays(torch.float32, shapes(min_dims=1, min_side=1), small=True)
DROPOUT_SAMPLES = 20_000


def dropout_module(p, inplace, training):
    dropout = torch.nn.Dropout(p, inplace=inplace)
    return dropout.train() if training else dropout.eval()


@pytest.mark.parametrize("inplace", (False, True), ids=("copy", "inplace"))
@given(p=st.floats(0.0, 1.0), x_np=dropout_inputs)
def test_dropout_is_identity_in_eval(device, inplace, p, x_np):
    """In eval mode Dropout(p, inplace) computes the identity function for every p in
    [0, 1]: the output equals the input, and the input is left as it was."""
    x = torch.tensor(x_np, device=device)
    out = dropout_module(p, inplace, training=False)(x)
    np.testing.assert_array_equal(to_numpy(out), x_np, err_msg="eval Dropout changed x")
    np.testing.assert_array_equal(to_numpy(x), x_np, err_msg="eval Dropout wrote into x")


@pytest.mark.parametrize("inplace", (False, True), ids=("copy", "inplace"))
@given(p=dropout_ps, x_np=dropout_inputs, seed=st.integers(0, 2**32 - 1))
def test_dropout_in_train_zeroes_or_scales_each_element(device, inplace, p, x_np, seed):
    """In train mode each element of Dropout(p)(x) is 0 or x / (1 - p) (the outputs are
    scaled by 1 / (1 - p)); with inplace=True the operation is done in place: the returned
    tensor is x itself, holding the result; without, x is left as it was."""
    x = torch.tensor(x_np, device=device)
    torch.manual_seed(seed)
    out = dropout_module(p, inplace, training=True)(x)
    if inplace:
        assert out is x, "Dropout(inplace=True) returned a new tensor"
    else:
        np.testing.assert_array_equal(to_numpy(x), x_np, err_msg="Dropout wrote into x")
    kept = to_numpy(out) != 0
    expected = x_np.astype(np.float64) / (1 - p)
    assert_close_to(out[torch.tensor(kept, device=device)], expected[kept].astype(np.float32))


@given(p=dropout_ps, seed=st.integers(0, 2**32 - 1))
def test_dropout_zeroes_each_element_with_probability_p(device, p, seed):
    """In train mode Dropout(p) zeroes each element independently with probability p: the
    zero count of DROPOUT_SAMPLES ones passes a two-sided binomial test at ALPHA (each
    example seeds torch with a drawn seed)."""
    n = DROPOUT_SAMPLES
    torch.manual_seed(seed)
    out = torch.nn.Dropout(p)(torch.ones(n, device=device))
    zeros = int((to_numpy(out) == 0).sum())
    # two-sided by doubling the smaller tail (level ALPHA); binomtest overflows for p ~ 1e-308
    tails = scipy.stats.binom.cdf(zeros, n, p), scipy.stats.binom.sf(zeros - 1, n, p)
    p_value = min(1.0, 2 * min(tails))
    assert p_value >= ALPHA, f"{zeros} of {n} zeroed with p={p}: binomial p-value {p_value:.2e}"


@pytest.mark.parametrize("inplace", (False, True), ids=("copy", "inplace"))
@given(x_np=dropout_inputs)
def test_dropout_with_p_one_zeroes_everything(device, inplace, x_np):
    """Dropout(p=1) in train mode zeroes every element (p is the probability of an element
    to be zeroed; the 1 / (1 - p) scaling has nothing left to scale): no NaN, no inf."""
    x = torch.tensor(x_np, device=device)
    out = dropout_module(1.0, inplace, training=True)(x)
    np.testing.assert_array_equal(np.abs(to_numpy(out)), np.zeros_like(x_np),
                                  err_msg="Dropout(p=1) left something")


def channel_values(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def batchnorm_cases(draw, min_values_per_channel=1, max_batches=1):
    channels = draw(st.integers(1, 3))
    n, h, w = draw(
        st.tuples(SIDE, SIDE, SIDE).filter(lambda s: s[0] * s[1] * s[2] >= min_values_per_channel)
    )

    def vector(low, high):
        return hnp.arrays(np.float64, channels, elements=channel_values(low, high))

    batch = hnp.arrays(np.float64, (n, channels, h, w), elements=channel_values(-4, 4))
    return dict(
        batches=draw(st.lists(batch, min_size=1, max_size=max_batches), label="batches"),
        running_mean=draw(vector(-2, 2), label="running_mean"),
        running_var=draw(vector(0.1, 4), label="running_var"),
        weight=draw(vector(-2, 2), label="weight"),
        bias=draw(vector(-2, 2), label="bias"),
        eps=draw(st.floats(1e-6, 1e-2), label="eps"),
        # any weight of the new statistic in [0, 1], or None: the cumulative average
        momentum=draw(st.none() | st.floats(0.0, 1.0), label="momentum"),
    )


def make_batchnorm(case, device):
    channels = len(case["weight"])
    bn = torch.nn.BatchNorm2d(channels, eps=case["eps"], momentum=case["momentum"])
    bn.to(device=device, dtype=torch.float64)
    with torch.no_grad():
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(bn, name).copy_(torch.tensor(case[name]))
    return bn


@given(case=batchnorm_cases())
def test_batchnorm_eval_uses_running_stats(device, case):
    """BatchNorm2d in eval mode normalises with running_mean / running_var,
    (x - rm) / sqrt(rv + eps) * weight + bias, and leaves the running stats alone."""
    bn = make_batchnorm(case, device).eval()
    x = case["batches"][0]
    out = bn(torch.tensor(x, device=device))
    expected = ref.batch_norm(
        x, case["running_mean"], case["running_var"], case["weight"], case["bias"], case["eps"]
    )
    assert_close_to(out, expected)
    np.testing.assert_array_equal(to_numpy(bn.running_mean), case["running_mean"])
    np.testing.assert_array_equal(to_numpy(bn.running_var), case["running_var"])
    assert int(bn.num_batches_tracked) == 0


@given(case=batchnorm_cases(min_values_per_channel=2, max_batches=2))
def test_batchnorm_train_uses_batch_stats_and_updates_running_stats(device, case):
    """BatchNorm2d in train mode normalises with the batch mean and biased variance, and
    updates running = (1 - momentum) * running + momentum * batch_stat with the unbiased
    variance for running_var; momentum=None gives the simple average of the batch stats."""
    bn = make_batchnorm(case, device).train()
    batches = case["batches"]
    for step, x in enumerate(batches, start=1):
        out = bn(torch.tensor(x, device=device))
        mean, biased = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
        expected = ref.batch_norm(x, mean, biased, case["weight"], case["bias"], case["eps"])
        assert_close_to(out, expected)
        running_mean, running_var = ref.batch_norm_running_stats(
            case["running_mean"], case["running_var"], batches[:step], case["momentum"])
        assert_close_to(bn.running_mean, running_mean)
        assert_close_to(bn.running_var, running_var)
        assert int(bn.num_batches_tracked) == step


# context manager -> whether its outputs are inference tensors
GRAD_FREE_MODES = {"no_grad": False, "inference_mode": True}


@pytest.mark.parametrize("mode", GRAD_FREE_MODES)
def test_outputs_under_no_grad_do_not_require_grad(device, mode):
    """A model's output under torch.no_grad() or torch.inference_mode() does not require grad
    and has no grad_fn (seed 002's test_loop); only inference_mode makes inference tensors.
    Outside, the same call records the graph. Values: x @ W.T + b with W, b ones (seed 004)."""
    model = MyLinearModel(3, 2).to(device)
    x_np = np.arange(12, dtype=np.float32).reshape(4, 3)
    x = torch.tensor(x_np, device=device)
    expected = ref.linear(x_np, np.ones((2, 3)), np.ones(2)).astype(np.float32)
    outside = model(x)
    assert outside.requires_grad and outside.grad_fn is not None
    with getattr(torch, mode)():
        out = model(x)
    assert not out.requires_grad, f"output under {mode}() requires grad"
    assert out.grad_fn is None
    assert out.is_inference() == GRAD_FREE_MODES[mode], f"is_inference() under {mode}()"
    assert_close_to(out, expected)
