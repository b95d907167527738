"""Softmax, cross-entropy and the optimization loop (seed 002: nn.Softmax, 손실 함수,
옵티마이저, 전체 구현; and the MNIST CNN trained with CrossEntropyLoss and Adam).

Documented claims under test:
- nn.Softmax(dim): every slice along dim lies in [0, 1] and sums to 1; exp(x_i)/sum_j exp(x_j).
- nn.CrossEntropyLoss "combines nn.LogSoftmax and nn.NLLLoss"; weighted 'mean' is
  sum_n w[y_n] l_n / sum_n w[y_n], 'sum' is the plain sum, 'none' keeps l_n.
- CrossEntropyLoss's weight, ignore_index, label_smoothing and reduction; MSELoss's reduction.
- SGD (lr, momentum, dampening, weight_decay, nesterov) and Adam (lr, betas, eps,
  weight_decay, amsgrad) follow the algorithms printed in their docstrings.
- Gradients add up across backward() calls ("기본적으로 변화도는 더해지기 때문에"), which is why
  the loop calls optimizer.zero_grad(); since torch 2.0 that sets .grad to None by default.
Oracles: reference.nn (softmax, log_softmax, nll_loss, cross_entropy,
cross_entropy_with_options, mse_loss, linear, one_hot), reference.optim (sgd, adam) and
the docstrings' update formulas in numpy float64; compared with the per-dtype tolerance table.
"""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reference import nn as ref
from reference import optim as optim_ref
from suite.testing.strategies import NUMPY_DTYPE, TORCH_DTYPE, shapes
from suite.testing.tolerances import assert_close_to, to_numpy, tolerance
from suite.testing.versions import ZERO_GRAD_SETS_NONE
from suite.testing.claims import covers

DTYPES = (torch.float32, torch.float64)
LOGIT_BOUND = 30.0  # logits of a trained classifier; far from exp overflow in float32
MAX_BATCH, MAX_CLASSES, MAX_FEATURES, MAX_STEPS = 5, 6, 4, 4
TRAINING_STEPS = 3
REDUCTIONS = ("none", "sum", "mean")


def bounded_arrays(dtype, shape, low, high):
    """Arrays of the numpy twin of `dtype` with finite, normal values in [low, high]."""
    numpy_dtype = NUMPY_DTYPE[dtype]
    values = st.floats(low, high, width=numpy_dtype.itemsize * 8, allow_subnormal=False)
    return hnp.arrays(numpy_dtype, shape, elements=values)


def as_tensor(array, device, requires_grad=False):
    return torch.tensor(array, device=device, requires_grad=requires_grad)


@st.composite
def classification_batches(draw):
    """(logits (N, C), int64 targets (N,), positive class weights (C,)) of one float dtype."""
    dtype = draw(st.sampled_from(DTYPES), label="dtype")
    n = draw(st.integers(1, MAX_BATCH), label="N")
    c = draw(st.integers(1, MAX_CLASSES), label="C")
    logits = draw(bounded_arrays(dtype, (n, c), -LOGIT_BOUND, LOGIT_BOUND), label="logits")
    target = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)), label="target")
    weight = draw(bounded_arrays(dtype, (c,), 0.125, 2.0), label="weight")
    return logits, target, weight


@st.composite
def logits_and_dim(draw):
    """(bounded logits of a float dtype and any shape, a valid dim, possibly negative)."""
    dtype = draw(st.sampled_from(DTYPES), label="dtype")
    shape = draw(shapes(min_dims=1), label="shape")
    dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    return draw(bounded_arrays(dtype, shape, -LOGIT_BOUND, LOGIT_BOUND), label="x"), dim


@given(case=logits_and_dim())
def test_softmax_sums_to_one_along_dim(device, case):
    """nn.Softmax(dim) equals exp(x)/sum(exp(x)) along dim, and each slice along dim sums to 1."""
    x, dim = case
    dtype, shape = TORCH_DTYPE[x.dtype], x.shape
    probabilities = torch.nn.Softmax(dim=dim)(as_tensor(x, device))
    assert_close_to(probabilities, ref.softmax(x, axis=dim), dtype=dtype)
    values = to_numpy(probabilities)
    assert ((values >= 0) & (values <= 1)).all(), f"softmax values outside [0, 1]: {values}"
    if shape[dim]:  # an empty slice has nothing to sum to 1
        sums = values.astype(np.float64).sum(axis=dim)
        rtol, atol = tolerance(dtype)
        np.testing.assert_allclose(sums, 1.0, rtol=rtol, atol=atol, err_msg=f"sums along dim {dim}")


@given(case=logits_and_dim())
def test_log_softmax_matches_reference(device, case):
    """nn.LogSoftmax(dim) equals x - log(sum(exp(x))) along dim."""
    x, dim = case
    result = torch.nn.LogSoftmax(dim=dim)(as_tensor(x, device))
    assert_close_to(result, ref.log_softmax(x, axis=dim), dtype=TORCH_DTYPE[x.dtype])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(batch=classification_batches(), weighted=st.booleans())
def test_cross_entropy_matches_reference(device, reduction, batch, weighted):
    """F.cross_entropy and nn.CrossEntropyLoss give the documented loss for each reduction;
    with class weights, 'mean' divides by the sum of the targets' weights, not by N."""
    logits, target, weight = batch
    weight = weight if weighted else None
    expected = ref.cross_entropy(logits, target, weight=weight, reduction=reduction)
    x, y = as_tensor(logits, device), as_tensor(target, device)
    w = None if weight is None else as_tensor(weight, device)
    functional = torch.nn.functional.cross_entropy(x, y, weight=w, reduction=reduction)
    module = torch.nn.CrossEntropyLoss(weight=w, reduction=reduction)(x, y)
    for result in (functional, module):
        assert_close_to(result, expected, dtype=x.dtype)


@given(batch=classification_batches(), reduction=st.sampled_from(REDUCTIONS),
       weighted=st.booleans())
def test_cross_entropy_is_log_softmax_then_nll(device, batch, reduction, weighted):
    """The tutorial: CrossEntropyLoss = LogSoftmax(dim=1) followed by NLLLoss; both paths
    equal the oracle's nll_loss(log_softmax(x))."""
    logits, target, weight = batch
    weight = weight if weighted else None
    expected = ref.nll_loss(ref.log_softmax(logits, axis=1), target, weight, reduction)
    x, y = as_tensor(logits, device), as_tensor(target, device)
    w = None if weight is None else as_tensor(weight, device)
    nll = torch.nn.NLLLoss(weight=w, reduction=reduction)(torch.nn.LogSoftmax(dim=1)(x), y)
    cross_entropy = torch.nn.CrossEntropyLoss(weight=w, reduction=reduction)(x, y)
    assert_close_to(nll, expected, dtype=x.dtype)
    assert_close_to(cross_entropy, expected, dtype=x.dtype)


@st.composite
def ignore_indices(draw, num_classes):
    """The default -100, another negative value, or a real class (then that class is ignored)."""
    return draw(st.sampled_from([-100, -1]) | st.integers(0, num_classes - 1), label="ignore_index")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(batch=classification_batches(), data=st.data())
def test_cross_entropy_ignore_index_and_label_smoothing(device, reduction, batch, data):
    """CrossEntropyLoss(weight, ignore_index, label_smoothing, reduction): a target equal to
    ignore_index (any int, a class or not) adds 0 and leaves the 'mean' denominator
    sum w[y_n]; label_smoothing eps in [0, 1] mixes the target with the uniform distribution,
    q = (1 - eps) onehot + eps / C (checked unweighted: the docs define no weighted form)."""
    logits, target, weight = batch
    num_classes = logits.shape[1]
    ignore_index = data.draw(ignore_indices(num_classes))
    ignored = data.draw(hnp.arrays(np.bool_, target.shape), label="ignored")
    target = np.where(ignored, ignore_index, target)
    weighted = data.draw(st.booleans(), label="weighted")
    smoothing = st.just(0.0) if weighted else st.just(0.0) | st.floats(0.0, 1.0)
    label_smoothing = data.draw(smoothing, label="label_smoothing")
    weight = weight if weighted else None
    expected = ref.cross_entropy_with_options(logits, target, weight, reduction, ignore_index,
                                              label_smoothing)
    x, y = as_tensor(logits, device), as_tensor(target, device)
    w = None if weight is None else as_tensor(weight, device)
    options = {"weight": w, "ignore_index": ignore_index, "reduction": reduction,
               "label_smoothing": label_smoothing}
    functional = torch.nn.functional.cross_entropy(x, y, **options)
    module = torch.nn.CrossEntropyLoss(**options)(x, y)
    for result in (functional, module):
        assert_close_to(result, expected, dtype=x.dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(dtype=st.sampled_from(DTYPES), shape=shapes(), data=st.data())
def test_mse_loss_matches_reference(device, reduction, dtype, shape, data):
    """nn.MSELoss(reduction) and F.mse_loss: (x - y)^2 elementwise ('none'), its mean
    ('mean', the default) or its sum ('sum'), for inputs of any shape."""
    x_np = data.draw(bounded_arrays(dtype, shape, -LOGIT_BOUND, LOGIT_BOUND), label="x")
    y_np = data.draw(bounded_arrays(dtype, shape, -LOGIT_BOUND, LOGIT_BOUND), label="y")
    expected = ref.mse_loss(x_np, y_np, reduction)
    x, y = as_tensor(x_np, device), as_tensor(y_np, device)
    functional = torch.nn.functional.mse_loss(x, y, reduction=reduction)
    module = torch.nn.MSELoss(reduction=reduction)(x, y)
    for result in (functional, module):
        assert_close_to(result, expected, dtype=dtype)


# --- optimizers, with gradients set directly ------------------------------------------

@st.composite
def parameter_and_gradients(draw, max_steps=MAX_STEPS):
    """(dtype, initial parameter, one gradient per step): small shapes, values in [-10, 10]."""
    dtype = draw(st.sampled_from(DTYPES), label="dtype")
    shape = draw(shapes(max_dims=3), label="shape")
    steps = draw(st.integers(1, max_steps), label="steps")
    param = draw(bounded_arrays(dtype, shape, -10, 10), label="param")
    grads = [draw(bounded_arrays(dtype, shape, -10, 10), label=f"grad{t}") for t in range(steps)]
    return dtype, param, grads


def run_optimizer(make_optimizer, param, grads, device):
    """Step an optimizer over one parameter, writing each gradient into .grad first."""
    p = as_tensor(param, device, requires_grad=True)
    optimizer = make_optimizer([p])
    for grad in grads:
        p.grad = as_tensor(grad, device)
        optimizer.step()
    return p


@given(case=parameter_and_gradients(max_steps=1), lr=st.floats(1e-3, 1.0))
def test_sgd_step_is_p_minus_lr_grad(device, case, lr):
    """optim.SGD(lr) without momentum: p <- p - lr * p.grad."""
    dtype, param, grads = case
    p = run_optimizer(lambda params: torch.optim.SGD(params, lr=lr), param, grads, device)
    # Not bitwise: torch (CPU, 2.14.1) rounds p + (-lr)*g once, as a fused multiply-add;
    # numpy's float32 p - lr*g rounds twice, so about 1 element in 5 differs by one ulp.
    expected = param.astype(np.float64) - lr * grads[0].astype(np.float64)
    assert_close_to(p, expected, dtype=dtype)


@st.composite
def sgd_options(draw):
    """SGD's documented constructor arguments: lr > 0, momentum >= 0, dampening, weight_decay
    >= 0, nesterov (which needs momentum > 0 and dampening 0)."""
    nesterov = draw(st.booleans(), label="nesterov")
    no_momentum = st.nothing() if nesterov else st.just(0.0)
    return {
        "lr": draw(st.floats(1e-3, 1.0), label="lr"),
        "momentum": draw(no_momentum | st.floats(0.05, 0.99), label="momentum"),
        "dampening": 0.0 if nesterov else draw(st.just(0.0) | st.floats(0.0, 1.0),
                                               label="dampening"),
        "weight_decay": draw(st.just(0.0) | st.floats(0.01, 0.5), label="weight_decay"),
        "nesterov": nesterov,
    }


@given(case=parameter_and_gradients(), options=sgd_options())
def test_sgd_follows_documented_update(device, case, options):
    """SGD docs: g += wd*p; with momentum, b_1 = g, b_t = mu*b_{t-1} + (1-dampening)*g, then
    g = g + mu*b_t (nesterov) or g = b_t; p <- p - lr*g."""
    dtype, param, grads = case
    p = run_optimizer(lambda params: torch.optim.SGD(params, **options), param, grads, device)
    assert_close_to(p, optim_ref.sgd(param, grads, **options), dtype=dtype)


@given(
    case=parameter_and_gradients(),
    lr=st.floats(1e-3, 0.5),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.5, 0.9999),
    eps=st.floats(1e-10, 1e-2),  # the default 1e-8 inside a documented eps > 0
    weight_decay=st.just(0.0) | st.floats(0.01, 0.5),
    amsgrad=st.booleans(),
)
def test_adam_follows_documented_algorithm(device, case, lr, beta1, beta2, eps, weight_decay,
                                           amsgrad):
    """Adam docs: g += wd*p; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; with amsgrad
    v_max = max(v_max, v) takes v's place; p <- p - lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps),
    for t = 1, 2, ..."""
    dtype, param, grads = case
    options = {"lr": lr, "betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay,
               "amsgrad": amsgrad}
    p = run_optimizer(lambda params: torch.optim.Adam(params, **options), param, grads, device)
    expected = optim_ref.adam(param, grads, **options)
    assert_close_to(p, expected, dtype=dtype)


# --- the training loop on a tiny linear classifier ------------------------------------

@st.composite
def linear_problems(draw, batches=1):
    """(dtype, weight (C, F), bias (C,), [(x (N, F), y (N,)), ...]) for nn.Linear + CE."""
    dtype = draw(st.sampled_from(DTYPES), label="dtype")
    c = draw(st.integers(1, MAX_CLASSES), label="C")
    f = draw(st.integers(1, MAX_FEATURES), label="F")
    weight = draw(bounded_arrays(dtype, (c, f), -2, 2), label="weight")
    bias = draw(bounded_arrays(dtype, (c,), -2, 2), label="bias")
    data = []
    for i in range(batches):
        n = draw(st.integers(1, MAX_BATCH), label=f"N{i}")
        x = draw(bounded_arrays(dtype, (n, f), -2, 2), label=f"x{i}")
        y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)), label=f"y{i}")
        data.append((x, y))
    return dtype, weight, bias, data


def linear_cross_entropy_gradients(weight, bias, x, y):
    """Analytic d(mean CE)/d(weight, bias) of logits x @ W.T + b: (softmax - onehot) / N."""
    logits = ref.linear(x, weight, bias)
    delta = (ref.softmax(logits, axis=1) - ref.one_hot(y, weight.shape[0])) / len(y)
    return delta.T @ x, delta.sum(axis=0)


def linear_model(dtype, weight, bias, device):
    model = torch.nn.Linear(weight.shape[1], weight.shape[0], dtype=dtype, device=device)
    with torch.no_grad():
        model.weight.copy_(as_tensor(weight, device))
        model.bias.copy_(as_tensor(bias, device))
    return model


def loss_of(model, x, y, device):
    return torch.nn.CrossEntropyLoss()(model(as_tensor(x, device)), as_tensor(y, device))


def assert_gradients(model, expected_weight_grad, expected_bias_grad, dtype, what):
    for name, grad, expected in (("weight", model.weight.grad, expected_weight_grad),
                                 ("bias", model.bias.grad, expected_bias_grad)):
        assert grad is not None, f"{name}.grad is None {what}"
        assert_close_to(grad, expected, dtype=dtype)


@given(problem=linear_problems(batches=TRAINING_STEPS), lr=st.floats(0.01, 1.0))
def test_tutorial_training_loop_matches_numpy(device, problem, lr):
    """The tutorial's train_loop: loss_fn(model(X), y); zero_grad(); backward(); step() with
    CrossEntropyLoss and SGD is gradient descent on the mean cross-entropy."""
    dtype, weight, bias, batches = problem
    model = linear_model(dtype, weight, bias, device)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    expected_weight, expected_bias = weight.astype(np.float64), bias.astype(np.float64)
    for x, y in batches:
        loss = loss_fn(model(as_tensor(x, device)), as_tensor(y, device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        expected_loss = ref.cross_entropy(ref.linear(x, expected_weight, expected_bias), y)
        assert_close_to(loss.detach(), expected_loss, dtype=dtype)
        grad_weight, grad_bias = linear_cross_entropy_gradients(
            expected_weight, expected_bias, x, y
        )
        expected_weight = expected_weight - lr * grad_weight
        expected_bias = expected_bias - lr * grad_bias
    assert_close_to(model.weight, expected_weight, dtype=dtype)
    assert_close_to(model.bias, expected_bias, dtype=dtype)


@covers("002-gradients-add-up")
@given(problem=linear_problems())
def test_backward_accumulates_gradients(device, problem):
    """backward() adds into .grad: two passes without zero_grad give twice the gradient."""
    dtype, weight, bias, [(x, y)] = problem
    model = linear_model(dtype, weight, bias, device)
    grad_weight, grad_bias = linear_cross_entropy_gradients(weight, bias, x, y)
    loss_of(model, x, y, device).backward()
    assert_gradients(model, grad_weight, grad_bias, dtype, "after one backward")
    loss_of(model, x, y, device).backward()
    assert_gradients(model, 2 * grad_weight, 2 * grad_bias, dtype, "after two backwards")


@covers("002-zero-grad")
@given(problem=linear_problems())
def test_zero_grad_sets_grads_to_none(device, problem):
    """optimizer.zero_grad() sets .grad to None since torch 2.0 (zeros before: a release older
    than the suite supports); the next backward() gives the plain gradient, not an accumulated
    one."""
    dtype, weight, bias, [(x, y)] = problem
    model = linear_model(dtype, weight, bias, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_of(model, x, y, device).backward()
    optimizer.zero_grad()
    for name, p in model.named_parameters():
        assert p.grad is None, f"{ZERO_GRAD_SETS_NONE}, but {name}.grad is {p.grad}"
    loss_of(model, x, y, device).backward()
    assert_gradients(model, *linear_cross_entropy_gradients(weight, bias, x, y), dtype,
                     "after zero_grad() and one backward")


@given(problem=linear_problems())
def test_zero_grad_set_to_none_false_zeroes_in_place(device, problem):
    """zero_grad(set_to_none=False) zeroes the existing .grad tensors (same objects); the next
    backward() accumulates into them from zero."""
    dtype, weight, bias, [(x, y)] = problem
    model = linear_model(dtype, weight, bias, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_of(model, x, y, device).backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    optimizer.zero_grad(set_to_none=False)
    for name, p in model.named_parameters():
        assert p.grad is not None, f"zero_grad(set_to_none=False) set {name}.grad to None"
        assert p.grad is grads[name], f"zero_grad(set_to_none=False) replaced {name}.grad"
        assert_close_to(p.grad, np.zeros(p.shape), dtype=dtype)
    loss_of(model, x, y, device).backward()
    assert_gradients(model, *linear_cross_entropy_gradients(weight, bias, x, y), dtype,
                     "after zero_grad(set_to_none=False) and one backward")
    assert all(p.grad is grads[name] for name, p in model.named_parameters())
