"""Deliberately broken torches for the nn.Module and freezing conformance tests (see suite/breakages/__init__.py)."""

import copy
import math

import torch

from suite.breakages import FAILED, Breakage, wrap

nn = torch.nn


# --- the module tree ---


def named_parameters_reversed(mp):
    wrap(mp, nn.Module, "named_parameters",
         lambda named: lambda self, *a, **k: reversed(list(named(self, *a, **k))))


def named_parameters_without_prefix(mp):
    def make(named):
        return lambda self, *a, **k: ((n.rsplit(".", 1)[-1], p) for n, p in named(self, *a, **k))

    wrap(mp, nn.Module, "named_parameters", make)


def named_modules_omit_root(mp):
    def make(named):
        return lambda self, *a, **k: ((n, m) for n, m in named(self, *a, **k) if m is not self)

    wrap(mp, nn.Module, "named_modules", make)


def state_dict_omits_buffers(mp):
    def save_parameters_only(self, destination, prefix, keep_vars):
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()

    mp.setattr(nn.Module, "_save_to_state_dict", save_parameters_only)


def call_chains_children(mp):
    """__call__ runs the children in registration order (Keras-Sequential style) instead of
    the user's forward."""

    def make(call):
        def broken(self, *args, **kwargs):
            children = list(self.children())
            if not children:
                return call(self, *args, **kwargs)
            x = args[0]
            for child in children:
                x = child(x)
            return x

        return broken

    wrap(mp, nn.Module, "__call__", make)


def sequential_getitem_copies(mp):
    wrap(mp, nn.Sequential, "__getitem__", lambda get: lambda self, i: copy.deepcopy(get(self, i)))


# --- parameter, buffer, tensor ---


def to_skips(store):
    """Module.to() (via _apply) leaves this store (_parameters or _buffers) unconverted."""

    def patch(mp):
        def make(apply):
            def broken(self, fn, recurse=True):
                saved = self.__dict__[store]
                object.__setattr__(self, store, {})
                try:
                    return apply(self, fn, recurse)
                finally:
                    object.__setattr__(self, store, saved)

            return broken

        wrap(mp, nn.Module, "_apply", make)

    return patch


def tensor_attributes_become_buffers(mp):
    def make(setattr_):
        def broken(self, name, value):
            is_plain_tensor = isinstance(value, torch.Tensor) and not isinstance(value, nn.Parameter)
            if is_plain_tensor and "_buffers" in self.__dict__ and name not in self._buffers:
                self.register_buffer(name, value)
            else:
                setattr_(self, name, value)

        return broken

    wrap(mp, nn.Module, "__setattr__", make)


def non_persistent_buffers_saved(mp):
    wrap(mp, nn.Module, "register_buffer",
         lambda register: lambda self, name, tensor, persistent=True: register(self, name, tensor))


def batchnorm_weight_init_uniform(mp):
    """Old torch (< 1.2) initialised BatchNorm's weight from U(0, 1)."""

    def make(reset):
        def broken(self):
            reset(self)
            if self.affine:
                nn.init.uniform_(self.weight)

        return broken

    wrap(mp, nn.modules.batchnorm._NormBase, "reset_parameters", make)


# --- containers and surgery ---


class PlainSequential(list):
    def __init__(self, *modules):
        super().__init__(modules)

    def __call__(self, x):
        for module in self:
            x = module(x)
        return x


class PlainModuleList(list):
    def __init__(self, modules=()):
        super().__init__(modules)


class PlainModuleDict(dict):
    pass


PLAIN = {"Sequential": PlainSequential, "ModuleList": PlainModuleList, "ModuleDict": PlainModuleDict}


def container_is_plain(kind):
    def patch(mp):
        mp.setattr(nn, kind, PLAIN[kind])

    return patch


def lists_of_modules_registered(mp):
    def make(setattr_):
        def broken(self, name, value):
            if isinstance(value, list) and value and all(isinstance(m, nn.Module) for m in value):
                value = nn.ModuleList(value)
            setattr_(self, name, value)

        return broken

    wrap(mp, nn.Module, "__setattr__", make)


def sequential_setitem_dropped(mp):
    mp.setattr(nn.Sequential, "__setitem__", lambda self, index, module: None)


def sequential_insert_appends(mp):
    mp.setattr(nn.Sequential, "insert", lambda self, index, module: self.append(module))


def leaf_add_module_unregistered(mp):
    """add_module on a module without children (a ReLU) keeps a plain attribute."""

    def make(add_module):
        def broken(self, name, module):
            containers = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
            if not self._modules and not isinstance(self, containers):
                object.__setattr__(self, name, module)
            else:
                add_module(self, name, module)

        return broken

    wrap(mp, nn.Module, "add_module", make)


# --- modes ---


def eval_not_propagating(mp):
    def train(self, mode=True):
        self.training = mode
        return self

    mp.setattr(nn.Module, "train", train)


def dropout_not_scaling(mp):
    def make(dropout):
        def broken(input, p=0.5, training=True, inplace=False):
            out = dropout(input, p, training, inplace)
            return out * (1 - p) if training else out

        return broken

    wrap(mp, nn.functional, "dropout", make)


def dropout_called_with(change):
    """F.dropout with its (p, training, inplace) passed through change."""

    def patch(mp):
        def make(dropout):
            return lambda input, p=0.5, training=True, inplace=False: dropout(
                input, *change(p, training, inplace))

        wrap(mp, nn.functional, "dropout", make)

    return patch


# p taken as the probability to keep (TensorFlow 1's keep_prob)
dropout_p_is_keep_probability = dropout_called_with(lambda p, training, inplace: (1 - p, training, inplace))
dropout_active_in_eval = dropout_called_with(lambda p, training, inplace: (p, True, inplace))
dropout_ignores_inplace = dropout_called_with(lambda p, training, inplace: (p, training, False))


def dropout_p_one_divides_by_zero(mp):
    """p = 1 computed as mask * x / (1 - p): 0 / 0 gives NaN."""

    def make(dropout):
        def broken(input, p=0.5, training=True, inplace=False):
            if training and p == 1:
                return input * torch.zeros_like(input) / torch.zeros_like(input)
            return dropout(input, p, training, inplace)

        return broken

    wrap(mp, nn.functional, "dropout", make)


def batchnorm_batch_stats_in_eval(mp):
    def make(batch_norm):
        def broken(input, running_mean, running_var, weight=None, bias=None, training=False,
                   momentum=0.1, eps=1e-5):
            return batch_norm(input, running_mean, running_var, weight, bias, True, momentum, eps)

        return broken

    wrap(mp, nn.functional, "batch_norm", make)


def batchnorm_keras_momentum(mp):
    """Keras' convention: momentum is the weight of the old running value."""

    def make(batch_norm):
        def broken(input, running_mean, running_var, weight=None, bias=None, training=False,
                   momentum=0.1, eps=1e-5):
            momentum = 1 - momentum
            return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)

        return broken

    wrap(mp, nn.functional, "batch_norm", make)


def batchnorm_running_var_biased(mp):
    def make(batch_norm):
        def broken(input, running_mean, running_var, weight=None, bias=None, training=False,
                   momentum=0.1, eps=1e-5):
            old = None if running_var is None else running_var.clone()
            out = batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
            if training and old is not None:
                batch_var = input.detach().var(dim=(0, 2, 3), unbiased=False)
                with torch.no_grad():
                    running_var.copy_((1 - momentum) * old + momentum * batch_var)
            return out

        return broken

    wrap(mp, nn.functional, "batch_norm", make)


def no_grad_ignored(mp):
    mp.setattr(torch, "no_grad", torch.enable_grad)


def inference_mode_is_no_grad(mp):
    mp.setattr(torch, "inference_mode", torch.no_grad)


# --- init ---


def xavier_with(distribution, numerator):
    def patch(mp):
        def broken(tensor, gain=1.0, generator=None):
            fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(tensor)
            scale = gain * (numerator / (fan_in + fan_out)) ** 0.5
            with torch.no_grad():
                if distribution == "normal":
                    return tensor.normal_(0, scale, generator=generator)
                return tensor.uniform_(-scale, scale, generator=generator)

        mp.setattr(nn.init, "xavier_uniform_", broken)

    return patch


def xavier_with_fans(fans_of, with_gain=True):
    """Both xavier initialisers, with the fans `fans_of(tensor)` gives (and the gain or not)."""

    def patch(mp):
        def scale(tensor, gain, numerator):
            fan_in, fan_out = fans_of(tensor)
            return (gain if with_gain else 1.0) * math.sqrt(numerator / (fan_in + fan_out))

        def uniform(tensor, gain=1.0, generator=None):
            bound = scale(tensor, gain, 6.0)
            with torch.no_grad():
                return tensor.uniform_(-bound, bound)

        def normal(tensor, gain=1.0, generator=None):
            with torch.no_grad():
                return tensor.normal_(0, scale(tensor, gain, 2.0))

        mp.setattr(nn.init, "xavier_uniform_", uniform)
        mp.setattr(nn.init, "xavier_normal_", normal)

    return patch


def fan_in_twice(tensor):
    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(tensor)
    return fan_in, fan_in


def fans_ignore_receptive_field(mp):
    """fan_in = dim 1 and fan_out = dim 0, as for a Linear weight, whatever the kernel."""
    mp.setattr(nn.init, "_calculate_fan_in_and_fan_out", lambda t: (t.size(1), t.size(0)))


def kaiming_ignores_mode(mp):
    wrap(mp, nn.init, "_calculate_correct_fan",
         lambda correct_fan: lambda tensor, mode: correct_fan(tensor, "fan_in"))


def leaky_relu_gain_without_square(mp):
    """calculate_gain("leaky_relu", slope) = sqrt(2 / (1 + slope)), the slope not squared."""

    def make(calculate_gain):
        def broken(nonlinearity, param=None):
            if nonlinearity == "leaky_relu":
                return math.sqrt(2.0 / (1 + (0.01 if param is None else param)))
            return calculate_gain(nonlinearity, param)

        return broken

    wrap(mp, nn.init, "calculate_gain", make)


def kaiming_normal_std_is_the_uniform_bound(mp):
    def broken(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
        fan = nn.init._calculate_correct_fan(tensor, mode)
        std = nn.init.calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
        with torch.no_grad():
            return tensor.normal_(0, std)

    mp.setattr(nn.init, "kaiming_normal_", broken)


def uniform_ignores_a(mp):
    def broken(tensor, a=0.0, b=1.0, generator=None):
        with torch.no_grad():
            return tensor.uniform_(0.0, b)

    mp.setattr(nn.init, "uniform_", broken)


def normal_ignores_std(mp):
    def broken(tensor, mean=0.0, std=1.0, generator=None):
        with torch.no_grad():
            return tensor.normal_(mean, 1.0)

    mp.setattr(nn.init, "normal_", broken)


def trunc_normal_clamps_at_bounds(mp):
    """N(mean, std^2) clamped to [a, b]: the mass outside piles up on the bounds."""

    def broken(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
        with torch.no_grad():
            return tensor.normal_(mean, std).clamp_(min=a, max=b)

    mp.setattr(nn.init, "trunc_normal_", broken)


def trunc_normal_inverse_cdf_in_the_tensor_dtype(mp):
    """torch < 2.12's trunc_normal_ (pytorch#155588): U(2l - 1, 2u - 1), erfinv, scale,
    clamp, all in the tensor's dtype; a 16-bit uniform rounds onto -1, erfinv(-1) = -inf,
    and the clamp puts it on a."""

    def broken(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
        def normal_cdf(x):
            return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

        low, high = normal_cdf((a - mean) / std), normal_cdf((b - mean) / std)
        with torch.no_grad():
            tensor.uniform_(2 * low - 1, 2 * high - 1)
            tensor.erfinv_()
            tensor.mul_(std * math.sqrt(2.0)).add_(mean)
            return tensor.clamp_(min=a, max=b)

    mp.setattr(nn.init, "trunc_normal_", broken)


def linear_init_without_a(mp):
    """nn.Linear's weight from kaiming_uniform_ with a = 0: bound sqrt(6 / in_features)."""

    def reset(self):
        nn.init.kaiming_uniform_(self.weight)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            nn.init.uniform_(self.bias, -bound, bound)

    mp.setattr(nn.Linear, "reset_parameters", reset)


def default_bias_zero(mp):
    """Linear and Conv biases start at zero (Keras' default), not from U(-sqrt(k), sqrt(k))."""

    def make(reset):
        def broken(self):
            reset(self)
            if self.bias is not None:
                nn.init.zeros_(self.bias)

        return broken

    wrap(mp, nn.Linear, "reset_parameters", make)
    wrap(mp, nn.modules.conv._ConvNd, "reset_parameters", make)


def conv_init_ignores_groups(mp):
    """k = 1 / (C_in * prod(kernel_size)), the groups left out."""

    def reset(self):
        bound = 1 / math.sqrt(self.in_channels * math.prod(self.kernel_size))
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    mp.setattr(nn.modules.conv._ConvNd, "reset_parameters", reset)


def inits_fill_by_arithmetic(mp):
    """zeros_ / ones_ / constant_ computed as t * 0 + value: NaN and inf survive."""

    def fill(value):
        def broken(tensor, *args):
            with torch.no_grad():
                return tensor.mul_(0).add_(args[0] if args else value)

        return broken

    mp.setattr(nn.init, "zeros_", fill(0.0))
    mp.setattr(nn.init, "ones_", fill(1.0))
    mp.setattr(nn.init, "constant_", fill(None))


# --- freezing ---


def requires_grad_is_a_no_op(mp):
    mp.setattr(nn.Module, "requires_grad_", lambda self, requires_grad=True: self)


def optimizers_step_none_grads(mp):
    """A None .grad is taken as zero, so weight decay and momentum still move the parameter."""

    def make(step):
        def broken(self, *args, **kwargs):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        p.grad = torch.zeros_like(p)
            return step(self, *args, **kwargs)

        return broken

    for name in ("SGD", "Adam"):
        wrap(mp, getattr(torch.optim, name), "step", make)


def batchnorm_frozen_with_its_parameters(mp):
    """A BatchNorm whose weight does not require grad stops updating its running stats."""

    def make(forward):
        def broken(self, input):
            if self.training and self.weight is not None and not self.weight.requires_grad:
                return nn.functional.batch_norm(input, None, None, self.weight, self.bias,
                                                True, 0.0, self.eps)
            return forward(self, input)

        return broken

    wrap(mp, nn.modules.batchnorm._BatchNorm, "forward", make)


MODULES = "suite/conformance/test_modules.py::"
INIT = "suite/conformance/test_init.py::"

BREAKAGES = [
    Breakage("named_parameters-reversed", named_parameters_reversed, [
        "suite/conformance/test_modules.py::test_named_parameters_recurse_in_registration_order",
    ]),
    Breakage("named_parameters-without-prefix", named_parameters_without_prefix, [
        "suite/conformance/test_modules.py::test_named_parameters_recurse_in_registration_order",
    ]),
    Breakage("named_modules-omit-root", named_modules_omit_root, [
        "suite/conformance/test_modules.py::test_named_modules_walk_the_tree_from_the_root",
    ]),
    Breakage("state_dict-omits-buffers", state_dict_omits_buffers, [
        "suite/conformance/test_modules.py::test_state_dict_holds_parameters_then_buffers_in_registration_order",
        "suite/conformance/test_modules.py::test_parameter_buffer_tensor_table[*-buffer]",
    ]),
    Breakage("call-chains-children", call_chains_children, [
        "suite/conformance/test_modules.py::test_call_runs_forward",
    ]),
    Breakage("Sequential-getitem-copies", sequential_getitem_copies, [
        "suite/conformance/test_modules.py::test_submodule_access_patterns_reach_the_same_object",
    ]),
    Breakage("to-skips-parameters", to_skips("_parameters"), [
        "suite/conformance/test_modules.py::test_parameter_buffer_tensor_table[*-parameter]",
    ]),
    Breakage("to-skips-buffers", to_skips("_buffers"), [
        "suite/conformance/test_modules.py::test_parameter_buffer_tensor_table[*-buffer]",
        "suite/conformance/test_modules.py::test_non_persistent_buffer_moves_but_is_not_saved",
    ]),
    Breakage("tensor-attributes-become-buffers", tensor_attributes_become_buffers, [
        "suite/conformance/test_modules.py::test_parameter_buffer_tensor_table[*-tensor]",
    ]),
    Breakage("register_buffer-persistent-ignored", non_persistent_buffers_saved, [
        "suite/conformance/test_modules.py::test_non_persistent_buffer_moves_but_is_not_saved",
    ]),
    Breakage("batchnorm-weight-init-uniform", batchnorm_weight_init_uniform, [
        "suite/conformance/test_claims.py::test_claim[004-batchnorm-init]",
    ]),
    *[
        Breakage(f"{kind}-is-plain", container_is_plain(kind), [
            f"suite/conformance/test_modules.py::test_containers_register_their_modules[*-{kind}]",
        ])
        for kind in PLAIN
    ],
    Breakage("lists-of-modules-registered", lists_of_modules_registered, [
        "suite/conformance/test_modules.py::test_containers_register_their_modules[*-list]",
    ]),
    Breakage("Sequential-setitem-dropped", sequential_setitem_dropped, [
        "suite/conformance/test_modules.py::test_replace_last_layer",
    ]),
    Breakage("Sequential-insert-appends", sequential_insert_appends, [
        "suite/conformance/test_modules.py::test_sequential_append_insert_add_module",
    ]),
    Breakage("leaf-add_module-unregistered", leaf_add_module_unregistered, [
        "suite/conformance/test_modules.py::test_child_added_to_a_leaf_is_registered_but_not_run",
    ]),
    Breakage("eval-not-propagating", eval_not_propagating, [
        "suite/conformance/test_modules.py::test_train_and_eval_reach_every_submodule",
        "suite/conformance/test_freezing.py::test_frozen_feature_extractor_with_new_head[*-features-eval]",
    ]),
    Breakage("dropout-not-scaling", dropout_not_scaling, [
        MODULES + "test_dropout_in_train_zeroes_or_scales_each_element",
    ]),
    Breakage("dropout-active-in-eval", dropout_active_in_eval, [
        MODULES + "test_dropout_is_identity_in_eval",
    ]),
    Breakage("dropout-p-is-keep-probability", dropout_p_is_keep_probability, [
        MODULES + "test_dropout_in_train_zeroes_or_scales_each_element",
        MODULES + "test_dropout_zeroes_each_element_with_probability_p",
    ]),
    Breakage("dropout-ignores-inplace", dropout_ignores_inplace, [
        MODULES + "test_dropout_in_train_zeroes_or_scales_each_element[*-inplace]",
    ]),
    Breakage("dropout-p-one-divides-by-zero", dropout_p_one_divides_by_zero, [
        MODULES + "test_dropout_with_p_one_zeroes_everything",
    ]),
    # batch stats need two values per channel: the broken eval raises on a single one
    Breakage("batchnorm-batch-stats-in-eval", batchnorm_batch_stats_in_eval, [
        "suite/conformance/test_modules.py::test_batchnorm_eval_uses_running_stats",
        "suite/conformance/test_freezing.py::test_frozen_feature_extractor_with_new_head[*-features-eval]",
    ], caught_as=FAILED + (ValueError,)),
    Breakage("batchnorm-keras-momentum", batchnorm_keras_momentum, [
        "suite/conformance/test_modules.py::test_batchnorm_train_uses_batch_stats_and_updates_running_stats",
    ]),
    Breakage("batchnorm-running-var-biased", batchnorm_running_var_biased, [
        "suite/conformance/test_modules.py::test_batchnorm_train_uses_batch_stats_and_updates_running_stats",
    ]),
    Breakage("no_grad-ignored", no_grad_ignored, [
        "suite/conformance/test_modules.py::test_outputs_under_no_grad_do_not_require_grad[*-no_grad]",
    ]),
    Breakage("inference_mode-is-no_grad", inference_mode_is_no_grad, [
        "suite/conformance/test_modules.py::test_outputs_under_no_grad_do_not_require_grad[*-inference_mode]",
    ]),
    Breakage("xavier-bound-sqrt-2", xavier_with("uniform", 2.0), [
        INIT + "test_xavier_uniform_draws_from_its_documented_uniform",
    ]),
    Breakage("xavier-normal", xavier_with("normal", 2.0), [
        INIT + "test_xavier_uniform_draws_from_its_documented_uniform",
    ]),
    Breakage("xavier-uses-fan-in-only", xavier_with_fans(fan_in_twice), [
        INIT + "test_xavier_uniform_draws_from_its_documented_uniform",
        INIT + "test_xavier_normal_draws_from_its_documented_normal",
    ]),
    Breakage("xavier-ignores-gain",
             xavier_with_fans(nn.init._calculate_fan_in_and_fan_out, with_gain=False), [
        INIT + "test_xavier_uniform_draws_from_its_documented_uniform",
        INIT + "test_xavier_normal_draws_from_its_documented_normal",
    ]),
    Breakage("fans-ignore-receptive-field", fans_ignore_receptive_field, [
        INIT + "test_xavier_uniform_draws_from_its_documented_uniform",
        INIT + "test_xavier_normal_draws_from_its_documented_normal",
        INIT + "test_kaiming_uniform_draws_from_its_documented_uniform",
        INIT + "test_kaiming_normal_draws_from_its_documented_normal",
        INIT + "test_conv2d_default_init_is_uniform_within_sqrt_k",
    ]),
    Breakage("kaiming-ignores-mode", kaiming_ignores_mode, [
        INIT + "test_kaiming_uniform_draws_from_its_documented_uniform",
        INIT + "test_kaiming_normal_draws_from_its_documented_normal",
    ]),
    Breakage("leaky_relu-gain-without-square", leaky_relu_gain_without_square, [
        INIT + "test_calculate_gain_matches_the_documented_table",
        INIT + "test_kaiming_uniform_draws_from_its_documented_uniform",
        INIT + "test_kaiming_normal_draws_from_its_documented_normal",
        INIT + "test_linear_default_init_is_uniform_within_sqrt_k",
        INIT + "test_conv2d_default_init_is_uniform_within_sqrt_k",
    ]),
    Breakage("kaiming_normal-std-is-the-uniform-bound", kaiming_normal_std_is_the_uniform_bound, [
        INIT + "test_kaiming_normal_draws_from_its_documented_normal",
    ]),
    Breakage("uniform-ignores-a", uniform_ignores_a, [
        INIT + "test_uniform_draws_from_u_a_b",
    ]),
    Breakage("normal-ignores-std", normal_ignores_std, [
        INIT + "test_normal_draws_from_n_mean_std",
    ]),
    Breakage("trunc_normal-clamps-at-bounds", trunc_normal_clamps_at_bounds, [
        INIT + "test_trunc_normal_draws_from_the_truncated_normal",
    ]),
    # the upstream bug itself: only the 16-bit dtypes round the uniform onto -1
    Breakage("trunc_normal-inverse-cdf-in-the-tensor-dtype",
             trunc_normal_inverse_cdf_in_the_tensor_dtype, [
        INIT + "test_trunc_normal_draws_from_the_truncated_normal[*-bfloat16]",
        INIT + "test_trunc_normal_draws_from_the_truncated_normal[*-float16]",
    ]),
    Breakage("default-linear-init-wrong-bound", linear_init_without_a, [
        INIT + "test_linear_default_init_is_uniform_within_sqrt_k",
    ]),
    Breakage("default-bias-zero", default_bias_zero, [
        INIT + "test_linear_default_init_is_uniform_within_sqrt_k",
        INIT + "test_conv2d_default_init_is_uniform_within_sqrt_k",
    ]),
    Breakage("conv-default-init-ignores-groups", conv_init_ignores_groups, [
        INIT + "test_conv2d_default_init_is_uniform_within_sqrt_k",
    ]),
    Breakage("inits-fill-by-arithmetic", inits_fill_by_arithmetic, [
        INIT + "test_constant_inits_fill_exactly",
    ]),
    Breakage("requires_grad_-no-op", requires_grad_is_a_no_op, [
        "suite/conformance/test_freezing.py::test_frozen_parameters_get_no_grad_and_stay_put[*-requires_grad_-SGD]",
        "suite/conformance/test_freezing.py::test_frozen_parameters_get_no_grad_and_stay_put[*-requires_grad_-Adam]",
        "suite/conformance/test_freezing.py::test_frozen_feature_extractor_with_new_head",
    ]),
    Breakage("optimizers-step-none-grads", optimizers_step_none_grads, [
        "suite/conformance/test_freezing.py::test_frozen_parameters_get_no_grad_and_stay_put",
        "suite/conformance/test_freezing.py::test_frozen_feature_extractor_with_new_head[*-features-eval]",
    ]),
    Breakage("batchnorm-frozen-with-its-parameters", batchnorm_frozen_with_its_parameters, [
        "suite/conformance/test_freezing.py::test_frozen_feature_extractor_with_new_head[*-features-train]",
    ]),
]
