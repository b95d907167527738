"""Deliberately broken torch.compiles for the compile conformance tests (see suite/breakages/__init__.py).

Most breakages wrap torch.compile so that what it returns calls the real compiled code in a
wrong way: through bfloat16, on copies of its inputs, in the wrong grad or train mode, with the
dynamo cache cleared before every call, ... the ways a compiler's bug would show to a user. For
a module, the compiled wrapper's `forward` is replaced (OptimizedModule lets it be), so
state_dict, train() and _orig_mod stay the real wrapper's.
"""

import functools

import torch

from suite.breakages import FAILED, Breakage, wrap
from suite.breakages.serialization import save_rounds_float32_through_bfloat16

MODULE = "suite/conformance/test_compile.py::"


def compiled_calls(change):
    """torch.compile whose result runs change(call, model, args, kwargs) where it would run
    call(*args, **kwargs): `call` is the real compiled code, `model` what was compiled."""

    def patch(mp):
        def make(compile_):
            def broken(model, *args, **kwargs):
                compiled = compile_(model, *args, **kwargs)
                is_module = isinstance(compiled, torch.nn.Module)
                call = compiled.forward if is_module else compiled

                @functools.wraps(call)
                def changed(*call_args, **call_kwargs):
                    return change(call, model, call_args, call_kwargs)

                if is_module:
                    compiled.forward = changed
                    return compiled
                return changed

            return broken

        wrap(mp, torch, "compile", make)

    return patch


def floating(value) -> bool:
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def through_bfloat16(call, model, args, kwargs):
    out = call(*args, **kwargs)
    return out.to(torch.bfloat16).to(out.dtype) if floating(out) else out


def gradients_scaled(call, model, args, kwargs):
    out = call(*args, **kwargs)
    if floating(out) and out.requires_grad:
        out.register_hook(lambda grad: grad * 1.01)
    return out


def on_copies(call, model, args, kwargs):
    return call(*(a.clone() if isinstance(a, torch.Tensor) else a for a in args), **kwargs)


def copies_of_outputs(call, model, args, kwargs):
    return call(*args, **kwargs).clone()


def inputs_changed_after(call, model, args, kwargs):
    out = call(*args, **kwargs)
    with torch.no_grad():
        for a in args:
            if floating(a):
                a.add_(1.0)
    return out


def grad_mode_ignored(call, model, args, kwargs):
    with torch.inference_mode(False), torch.enable_grad():
        return call(*args, **kwargs)


def always_eval(call, model, args, kwargs):
    training = model.training
    model.eval()
    try:
        return call(*args, **kwargs)
    finally:
        model.train(training)


def buffers_restored(call, model, args, kwargs):
    saved = [(buffer, buffer.clone()) for buffer in model.buffers()]
    out = call(*args, **kwargs)
    with torch.no_grad():
        for buffer, value in saved:
            buffer.copy_(value)
    return out


def reseeded(call, model, args, kwargs):
    torch.manual_seed(torch.initial_seed() + 1)
    return call(*args, **kwargs)


def extra_zeros(call, model, args, kwargs):
    out = call(*args, **kwargs)
    return out * (torch.rand_like(out) > 0.2)


def recompiled_every_call(call, model, args, kwargs):
    torch._dynamo.reset()
    return call(*args, **kwargs)


def guards_ignored(call, model, args, kwargs):
    """Later calls get inputs made like the first call's: its dtype, its requires_grad."""
    first = model.__dict__.setdefault("_suite_first_inputs", args)
    like = [a.detach().to(f.dtype).requires_grad_(f.requires_grad) if isinstance(a, torch.Tensor)
            else a for a, f in zip(args, first)]
    return call(*like, **kwargs)


def state_dict_without_prefix(mp):
    from torch._dynamo.eval_frame import OptimizedModule

    mp.setattr(OptimizedModule, "state_dict",
               lambda self, *args, **kwargs: self._orig_mod.state_dict(*args, **kwargs))


AGREEMENT = (MODULE + "test_seed_model_agrees_with_eager", MODULE + "test_seed_op_agrees_with_eager",
             MODULE + "test_torchvision_model_agrees_with_eager")

def flushes_subnormals(call, model, args, kwargs):
    out = call(*args, **kwargs)
    torch.set_flush_denormal(True)  # what loading a kernel built with -ffast-math does
    return out


BREAKAGES = [
    Breakage("compile-outputs-through-bfloat16", compiled_calls(through_bfloat16), AGREEMENT),
    Breakage("compile-scales-gradients", compiled_calls(gradients_scaled), AGREEMENT),
    # autograd notices the change of a tensor it saved for backward: a RuntimeError
    Breakage("compile-changes-its-inputs", compiled_calls(inputs_changed_after), AGREEMENT[:2],
             caught_as=FAILED + (RuntimeError,)),
    Breakage("compile-drops-input-mutations", compiled_calls(on_copies), [
        MODULE + "test_input_mutation_matches_eager",
    ]),
    Breakage("compile-copies-returned-views", compiled_calls(copies_of_outputs), [
        MODULE + "test_returned_view_aliases_its_input",
    ]),
    Breakage("compile-ignores-grad-mode", compiled_calls(grad_mode_ignored), [
        MODULE + "test_grad_mode_is_honoured",
    ]),
    Breakage("compile-always-in-eval-mode", compiled_calls(always_eval), [
        MODULE + "test_dropout_follows_train_and_eval",
        MODULE + "test_batchnorm_running_stats_update_like_eager",
    ]),
    Breakage("compile-drops-buffer-updates", compiled_calls(buffers_restored), [
        MODULE + "test_batchnorm_running_stats_update_like_eager",
    ]),
    Breakage("compile-reseeds-its-random-stream", compiled_calls(reseeded), [
        MODULE + "test_dropout_with_fallback_random_matches_eager_stream",
    ]),
    Breakage("compile-zeroes-extra-elements", compiled_calls(extra_zeros), [
        MODULE + "test_dropout_keeps_its_statistics",
    ]),
    Breakage("compile-recompiles-every-call", compiled_calls(recompiled_every_call), [
        MODULE + "test_varying_batch_does_not_recompile",
    ]),
    Breakage("compile-ignores-guard-changes", compiled_calls(guards_ignored), [
        MODULE + "test_guard_change_recompiles",
    ]),
    Breakage("compile-flushes-subnormals", compiled_calls(flushes_subnormals), [
        MODULE + "test_inductor_leaves_subnormals_alone",
    ]),
    Breakage("compiled-state-dict-without-prefix", state_dict_without_prefix, [
        MODULE + "test_compiled_state_dict_prefixes_orig_mod",
        MODULE + "test_compiled_state_dict_loads_into_a_plain_model",
    ]),
    Breakage("compiled-state-dict-saved-through-bfloat16", save_rounds_float32_through_bfloat16, [
        MODULE + "test_compiled_state_dict_loads_into_a_plain_model",
    ]),
]
