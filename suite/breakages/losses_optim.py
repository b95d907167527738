"""Deliberately broken torches for the one-hot, loss and optimizer conformance tests
(see suite/breakages/__init__.py)."""

import torch

from suite.breakages import FAILED, Breakage, wrap

F = torch.nn.functional


# --- one-hot --------------------------------------------------------------------------

def scatter_index_shifted(mp):
    """An off-by-one: scatter_ writes one position past the index (a label n-1 then raises)."""
    wrap(mp, torch.Tensor, "scatter_",
         lambda scatter_: lambda self, dim, index, *a, **k: scatter_(self, dim, index + 1, *a, **k))


def scatter_drops_out_of_range(mp):
    """No bounds check: an out-of-range index is silently skipped."""
    def make(scatter_):
        def broken(self, dim, index, *a, **k):
            if ((index < 0) | (index >= self.size(dim))).any():
                return self
            return scatter_(self, dim, index, *a, **k)

        return broken

    wrap(mp, torch.Tensor, "scatter_", make)


def scatter_operand(args, kwargs):
    """scatter_'s third argument, src or value, however it was passed."""
    return args[0] if args else kwargs.get("src", kwargs.get("value"))


def scatter_rewritten(rewrite):
    """scatter_(self, dim, index, operand, reduce=...) runs as rewrite(...) says: rewrite gets
    (self, dim, index, operand, reduce) and returns them, changed."""
    def patch(mp):
        def make(scatter_):
            def broken(self, dim, index, *a, reduce=None, **k):
                operand = scatter_operand(a, k)
                self, dim, index, operand, reduce = rewrite(self, dim, index, operand, reduce)
                extra = {} if reduce is None else {"reduce": reduce}
                return scatter_(self, dim, index, operand, **extra)

            return broken

        wrap(mp, torch.Tensor, "scatter_", make)

    return patch


def is_value(operand):
    return not isinstance(operand, torch.Tensor)


# value=1 whatever value was given (the tutorial's constant)
scatter_ignores_value = scatter_rewritten(lambda t, d, i, operand, r: (
    t, d, i, 1 if is_value(operand) else operand, r))
# every written element is src's first one
scatter_ignores_src = scatter_rewritten(lambda t, d, i, operand, r: (
    t, d, i, operand if is_value(operand) else operand.reshape(-1)[0].item(), r))
# src read in flat order, not at the index's own positions (wrong when src is larger)
scatter_reads_src_contiguously = scatter_rewritten(lambda t, d, i, operand, r: (
    t, d, i, operand if is_value(operand) or not i.numel()
    else operand.reshape(-1)[: i.numel()].reshape(i.shape), r))
scatter_ignores_dim = scatter_rewritten(lambda t, d, i, operand, r: (t, 0, i, operand, r))
# a negative dim counted from the front: -1 taken as 0, -2 as 1, ...
scatter_negative_dim_from_front = scatter_rewritten(lambda t, d, i, operand, r: (
    t, -d - 1 if d < 0 else d, i, operand, r))
scatter_reduce_overwrites = scatter_rewritten(lambda t, d, i, operand, r: (t, d, i, operand, None))
scatter_multiply_adds = scatter_rewritten(lambda t, d, i, operand, r: (
    t, d, i, operand, "add" if r == "multiply" else r))


def scatter_reduce_ignores_include_self(mp):
    wrap(mp, torch.Tensor, "scatter_reduce_",
         lambda method: lambda self, dim, index, src, reduce, include_self=True:
         method(self, dim, index, src, reduce))


def scatter_reduce_mean_is_sum(mp):
    wrap(mp, torch.Tensor, "scatter_reduce_",
         lambda method: lambda self, dim, index, src, reduce, **k:
         method(self, dim, index, src, "sum" if reduce == "mean" else reduce, **k))


def one_hot_class_dim_first(mp):
    wrap(mp, F, "one_hot",
         lambda one_hot: lambda t, num_classes=-1: one_hot(t, num_classes).movedim(-1, 0))


def one_hot_infers_extra_class(mp):
    def make(one_hot):
        def broken(t, num_classes=-1):
            if num_classes == -1 and t.numel():
                num_classes = int(t.max()) + 2
            return one_hot(t, num_classes)

        return broken

    wrap(mp, F, "one_hot", make)


def one_hot_clamps_labels(mp):
    def make(one_hot):
        def broken(t, num_classes=-1):
            high = num_classes - 1 if num_classes > 0 else None
            return one_hot(t.clamp(0, high), num_classes)

        return broken

    wrap(mp, F, "one_hot", make)


# --- softmax and losses ---------------------------------------------------------------

def last_dim_always(name):
    """softmax/log_softmax along the last dim whatever dim was asked for."""
    def patch(mp):
        wrap(mp, F, name, lambda f: lambda input, dim=None, *a, **k: f(input, -1, *a, **k))

    return patch


def cross_entropy_ignores_weight(mp):
    wrap(mp, F, "cross_entropy",
         lambda ce: lambda input, target, weight=None, *a, **k: ce(input, target, None, *a, **k))


def mean_is_sum(name):
    def patch(mp):
        def make(loss):
            def broken(input, target, *a, reduction="mean", **k):
                reduction = "sum" if reduction == "mean" else reduction
                return loss(input, target, *a, reduction=reduction, **k)

            return broken

        wrap(mp, F, name, make)

    return patch


def weighted_mean_over_batch_size(name):
    """'mean' divides the weighted sum by N instead of by the sum of the targets' weights."""
    def patch(mp):
        def make(loss):
            def broken(input, target, *a, reduction="mean", **k):
                if reduction != "mean":
                    return loss(input, target, *a, reduction=reduction, **k)
                return loss(input, target, *a, reduction="sum", **k) / target.numel()

            return broken

        wrap(mp, F, name, make)

    return patch


def cross_entropy_ignores_ignore_index(mp):
    """ignore_index dropped: the default -100 is ignored whatever was asked for."""
    wrap(mp, F, "cross_entropy",
         lambda ce: lambda input, target, *a, ignore_index=-100, **k: ce(input, target, *a, **k))


def cross_entropy_ignores_label_smoothing(mp):
    wrap(mp, F, "cross_entropy",
         lambda ce: lambda input, target, *a, label_smoothing=0.0, **k: ce(input, target, *a, **k))


def mse_loss_is_absolute_error(mp):
    wrap(mp, F, "mse_loss",
         lambda mse: lambda input, target, *a, **k: F.l1_loss(input, target, *a, **k))


# --- optimizers -----------------------------------------------------------------------

def replace_sgd(mp, adjust):
    """torch.optim.SGD whose constructor arguments pass through adjust(kwargs) first."""
    original = torch.optim.SGD

    class BrokenSGD(original):
        def __init__(self, params, lr=1e-3, **kwargs):
            kwargs["lr"] = lr
            super().__init__(params, **adjust(kwargs))

    mp.setattr(torch.optim, "SGD", BrokenSGD)


def sgd_doubles_lr(mp):
    replace_sgd(mp, lambda k: {**k, "lr": 2 * k["lr"]})


def sgd_ignores_momentum(mp):
    replace_sgd(mp, lambda k: {**k, "momentum": 0, "nesterov": False})


def sgd_momentum_as_moving_average(mp):
    """b_t = mu*b + (1-mu)*g, the EMA form of momentum, instead of PyTorch's mu*b + g."""
    replace_sgd(mp, lambda k: k if k.get("nesterov") else {**k, "dampening": k.get("momentum", 0)})


def sgd_ignores_weight_decay(mp):
    replace_sgd(mp, lambda k: {**k, "weight_decay": 0})


def sgd_ignores_dampening(mp):
    replace_sgd(mp, lambda k: {**k, "dampening": 0})


def sgd_ignores_nesterov(mp):
    replace_sgd(mp, lambda k: {**k, "nesterov": False})


class SketchSGD(torch.optim.Optimizer):
    """SGD written from its docs but dampening the first step too: b_1 = (1 - tau) * g."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov})

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            mu, tau = group["momentum"], group["dampening"]
            for p in group["params"]:
                g = p.grad + group["weight_decay"] * p
                if mu:
                    state = self.state[p]
                    b = (1 - tau) * g if "b" not in state else mu * state["b"] + (1 - tau) * g
                    state["b"] = b
                    g = g + mu * b if group["nesterov"] else b
                p.sub_(group["lr"] * g)


def sgd_dampens_first_step(mp):
    mp.setattr(torch.optim, "SGD", SketchSGD)


class SketchAdam(torch.optim.Optimizer):
    """An Adam written from memory, with one of two classic slips switched on."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, bias_correction=True, decoupled_weight_decay=False,
                 ignore_amsgrad=False, amsgrad_of_corrected=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))
        self.bias_correction, self.decoupled = bias_correction, decoupled_weight_decay
        self.amsgrad = amsgrad and not ignore_amsgrad
        # torch 2.5's docs: the max of the bias-corrected v_hat, not of v (pytorch#142323)
        self.amsgrad_of_corrected = amsgrad_of_corrected

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            (beta1, beta2), lr, eps = group["betas"], group["lr"], group["eps"]
            decay = group["weight_decay"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state.update(t=0, m=torch.zeros_like(p), v=torch.zeros_like(p),
                                 v_max=torch.zeros_like(p))
                state["t"] += 1
                t, m, v = state["t"], state["m"], state["v"]
                g = p.grad if self.decoupled else p.grad + decay * p
                if self.decoupled:
                    p.mul_(1 - lr * decay)
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                m_hat, v_hat = m, v
                if self.bias_correction:
                    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
                if self.amsgrad and self.amsgrad_of_corrected:
                    state["v_max"] = v_hat = torch.maximum(state["v_max"], v_hat)
                elif self.amsgrad:
                    state["v_max"] = torch.maximum(state["v_max"], v)
                    v_hat = state["v_max"] / (1 - beta2**t)
                p.sub_(lr * m_hat / (v_hat.sqrt() + eps))


def adam_with(**slip):
    def patch(mp):
        mp.setattr(torch.optim, "Adam", lambda params, **k: SketchAdam(params, **k, **slip))

    return patch


# --- autograd and zero_grad -----------------------------------------------------------

def leaves_of(tensor):
    """The leaf tensors a backward from `tensor` accumulates into (AccumulateGrad nodes)."""
    found, seen, stack = [], set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if hasattr(node, "variable"):
            found.append(node.variable)
        stack.extend(child for child, _ in node.next_functions)
    return found


def backward_overwrites_grad(mp):
    def make(backward):
        def broken(self, *a, **k):
            for leaf in leaves_of(self):
                leaf.grad = None
            return backward(self, *a, **k)

        return broken

    wrap(mp, torch.Tensor, "backward", make)


def zero_grad_as(behaviour):
    def patch(mp):
        original = torch.optim.Optimizer.zero_grad

        def broken(self, set_to_none=True):
            if behaviour == "fills-zeros":
                return original(self, set_to_none=False)
            if behaviour == "always-none":
                return original(self, set_to_none=True)
            if behaviour == "replaces-grad":
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            p.grad = None if set_to_none else torch.zeros_like(p.grad)
                return None
            return None  # "noop"

        mp.setattr(torch.optim.Optimizer, "zero_grad", broken)

    return patch


BREAKAGES = [
    # writing one place to the right either misplaces the 1 or, for the last class, makes
    # torch's own bounds check raise on a valid label
    Breakage("scatter_-index-shifted", scatter_index_shifted, [
        "suite/conformance/test_one_hot.py::test_tutorial_lambda_one_hot_matches_reference",
        "suite/conformance/test_one_hot.py::test_tutorial_label_3_example",
    ], caught_as=FAILED + (RuntimeError,)),
    Breakage("scatter_-drops-out-of-range", scatter_drops_out_of_range, [
        "suite/conformance/test_one_hot.py::test_tutorial_scatter_out_of_range_label_raises",
    ]),
    Breakage("scatter_-ignores-value", scatter_ignores_value, [
        "suite/conformance/test_one_hot.py::test_scatter_value_writes_the_value",
        "suite/conformance/test_one_hot.py::test_scatter_reduce_argument_accumulates[*-value]",
    ]),
    Breakage("scatter_-ignores-src", scatter_ignores_src, [
        "suite/conformance/test_one_hot.py::test_scatter_src_writes_each_source_value",
        "suite/conformance/test_one_hot.py::test_scatter_reduce_argument_accumulates[*-src]",
    ]),
    Breakage("scatter_-reads-src-contiguously", scatter_reads_src_contiguously, [
        "suite/conformance/test_one_hot.py::test_scatter_src_writes_each_source_value",
    ]),
    # the wrong dim either misplaces values or trips torch's own index-size check
    Breakage("scatter_-ignores-dim", scatter_ignores_dim, [
        "suite/conformance/test_one_hot.py::test_scatter_src_writes_each_source_value",
        "suite/conformance/test_one_hot.py::test_scatter_value_writes_the_value",
        "suite/conformance/test_one_hot.py::test_scatter_reduce_argument_accumulates",
    ], caught_as=FAILED + (RuntimeError,)),
    Breakage("scatter_-negative-dim-from-front", scatter_negative_dim_from_front, [
        "suite/conformance/test_one_hot.py::test_scatter_src_writes_each_source_value",
        "suite/conformance/test_one_hot.py::test_scatter_value_writes_the_value",
    ], caught_as=FAILED + (RuntimeError,)),
    Breakage("scatter_-reduce-overwrites", scatter_reduce_overwrites, [
        "suite/conformance/test_one_hot.py::test_scatter_reduce_argument_accumulates",
    ]),
    Breakage("scatter_-multiply-adds", scatter_multiply_adds, [
        "suite/conformance/test_one_hot.py::test_scatter_reduce_argument_accumulates[*-multiply-*]",
    ]),
    Breakage("scatter_reduce_-ignores-include-self", scatter_reduce_ignores_include_self, [
        "suite/conformance/test_one_hot.py::test_scatter_reduce_method_matches_reference",
    ]),
    Breakage("scatter_reduce_-mean-is-sum", scatter_reduce_mean_is_sum, [
        "suite/conformance/test_one_hot.py::test_scatter_reduce_method_matches_reference[*-mean]",
    ]),
    Breakage("one_hot-class-dim-first", one_hot_class_dim_first, [
        "suite/conformance/test_one_hot.py::test_batched_one_hot_matches_reference",
    ]),
    Breakage("one_hot-infers-extra-class", one_hot_infers_extra_class, [
        "suite/conformance/test_one_hot.py::test_one_hot_infers_num_classes",
    ]),
    Breakage("one_hot-clamps-labels", one_hot_clamps_labels, [
        "suite/conformance/test_one_hot.py::test_one_hot_out_of_range_label_raises",
    ]),
    Breakage("softmax-on-last-dim", last_dim_always("softmax"), [
        "suite/conformance/test_losses_optim.py::test_softmax_sums_to_one_along_dim",
    ]),
    Breakage("log_softmax-on-last-dim", last_dim_always("log_softmax"), [
        "suite/conformance/test_losses_optim.py::test_log_softmax_matches_reference",
    ]),
    Breakage("cross_entropy-ignores-weight", cross_entropy_ignores_weight, [
        "suite/conformance/test_losses_optim.py::test_cross_entropy_matches_reference",
        "suite/conformance/test_losses_optim.py::test_cross_entropy_ignore_index_and_label_smoothing",
        "suite/conformance/test_losses_optim.py::test_cross_entropy_is_log_softmax_then_nll",
    ]),
    Breakage("cross_entropy-mean-is-sum", mean_is_sum("cross_entropy"), [
        "suite/conformance/test_losses_optim.py::test_cross_entropy_matches_reference[*-mean]",
        "suite/conformance/test_losses_optim.py::test_cross_entropy_ignore_index_and_label_smoothing[*-mean]",
        "suite/conformance/test_losses_optim.py::test_tutorial_training_loop_matches_numpy",
    ]),
    # with ignored targets the mean is over the kept ones, not over N (weighted or not)
    Breakage("cross_entropy-weighted-mean-over-N", weighted_mean_over_batch_size("cross_entropy"), [
        "suite/conformance/test_losses_optim.py::test_cross_entropy_matches_reference[*-mean]",
        "suite/conformance/test_losses_optim.py::test_cross_entropy_ignore_index_and_label_smoothing[*-mean]",
    ]),
    # -1 as a target then trips torch's own bounds check
    Breakage("cross_entropy-ignores-ignore_index", cross_entropy_ignores_ignore_index, [
        "suite/conformance/test_losses_optim.py::test_cross_entropy_ignore_index_and_label_smoothing",
    ], caught_as=FAILED + (IndexError, RuntimeError)),
    Breakage("cross_entropy-ignores-label-smoothing", cross_entropy_ignores_label_smoothing, [
        "suite/conformance/test_losses_optim.py::test_cross_entropy_ignore_index_and_label_smoothing",
    ]),
    Breakage("mse_loss-mean-is-sum", mean_is_sum("mse_loss"), [
        "suite/conformance/test_losses_optim.py::test_mse_loss_matches_reference[*-mean]",
    ]),
    Breakage("mse_loss-is-absolute-error", mse_loss_is_absolute_error, [
        "suite/conformance/test_losses_optim.py::test_mse_loss_matches_reference",
    ]),
    Breakage("nll_loss-weighted-mean-over-N", weighted_mean_over_batch_size("nll_loss"), [
        "suite/conformance/test_losses_optim.py::test_cross_entropy_is_log_softmax_then_nll",
    ]),
    Breakage("sgd-doubles-lr", sgd_doubles_lr, [
        "suite/conformance/test_losses_optim.py::test_sgd_step_is_p_minus_lr_grad",
        "suite/conformance/test_losses_optim.py::test_sgd_follows_documented_update",
        "suite/conformance/test_losses_optim.py::test_tutorial_training_loop_matches_numpy",
    ]),
    Breakage("sgd-ignores-momentum", sgd_ignores_momentum, [
        "suite/conformance/test_losses_optim.py::test_sgd_follows_documented_update",
    ]),
    Breakage("sgd-momentum-as-moving-average", sgd_momentum_as_moving_average, [
        "suite/conformance/test_losses_optim.py::test_sgd_follows_documented_update",
    ]),
    Breakage("sgd-ignores-weight-decay", sgd_ignores_weight_decay, [
        "suite/conformance/test_losses_optim.py::test_sgd_follows_documented_update",
    ]),
    Breakage("sgd-ignores-dampening", sgd_ignores_dampening, [
        "suite/conformance/test_losses_optim.py::test_sgd_follows_documented_update",
    ]),
    Breakage("sgd-ignores-nesterov", sgd_ignores_nesterov, [
        "suite/conformance/test_losses_optim.py::test_sgd_follows_documented_update",
    ]),
    Breakage("sgd-dampens-first-step", sgd_dampens_first_step, [
        "suite/conformance/test_losses_optim.py::test_sgd_follows_documented_update",
    ]),
    Breakage("adam-ignores-amsgrad", adam_with(ignore_amsgrad=True), [
        "suite/conformance/test_losses_optim.py::test_adam_follows_documented_algorithm",
    ]),
    Breakage("adam-amsgrad-max-of-corrected", adam_with(amsgrad_of_corrected=True), [
        "suite/conformance/test_losses_optim.py::test_adam_follows_documented_algorithm",
    ]),
    Breakage("adam-without-bias-correction", adam_with(bias_correction=False), [
        "suite/conformance/test_losses_optim.py::test_adam_follows_documented_algorithm",
    ]),
    Breakage("adam-decoupled-weight-decay", adam_with(decoupled_weight_decay=True), [
        "suite/conformance/test_losses_optim.py::test_adam_follows_documented_algorithm",
    ]),
    Breakage("backward-overwrites-grad", backward_overwrites_grad, [
        "suite/conformance/test_losses_optim.py::test_backward_accumulates_gradients",
    ]),
    Breakage("zero_grad-fills-zeros", zero_grad_as("fills-zeros"), [
        "suite/conformance/test_losses_optim.py::test_zero_grad_sets_grads_to_none",
    ]),
    Breakage("zero_grad-is-noop", zero_grad_as("noop"), [
        "suite/conformance/test_losses_optim.py::test_zero_grad_sets_grads_to_none",
        "suite/conformance/test_losses_optim.py::test_zero_grad_set_to_none_false_zeroes_in_place",
        "suite/conformance/test_losses_optim.py::test_tutorial_training_loop_matches_numpy",
    ]),
    Breakage("zero_grad-always-none", zero_grad_as("always-none"), [
        "suite/conformance/test_losses_optim.py::test_zero_grad_set_to_none_false_zeroes_in_place",
    ]),
    Breakage("zero_grad-replaces-grad", zero_grad_as("replaces-grad"), [
        "suite/conformance/test_losses_optim.py::test_zero_grad_set_to_none_false_zeroes_in_place",
    ]),
]
