"""Deliberately broken torches for the serialization conformance tests (see suite/breakages/__init__.py).

The breakages patch the public entry points (torch.save, torch.load, nn.Module.state_dict,
nn.Module.load_state_dict), the way a wrong default or a lossy writer would show up.
"""

import pickle

import torch

from suite.breakages import FAILED, Breakage, wrap
from suite.testing.versions import LOAD_WEIGHTS_ONLY_DEFAULT


def save_rounds_float32_through_bfloat16(mp):
    def round_trip(value):
        if isinstance(value, torch.Tensor) and value.dtype == torch.float32:
            return value.to(torch.bfloat16).to(torch.float32)
        return value

    def make(save):
        def broken(obj, f, *args, **kwargs):
            if isinstance(obj, dict):
                rounded = type(obj)((key, round_trip(value)) for key, value in obj.items())
                if hasattr(obj, "_metadata"):
                    rounded._metadata = obj._metadata
                obj = rounded
            return save(obj, f, *args, **kwargs)

        return broken

    wrap(mp, torch, "save", make)


def save_converts_tensors(convert):
    """torch.save of a plain tensor stores convert(tensor)."""

    def patch(mp):
        wrap(mp, torch, "save", lambda save: lambda obj, f, *a, **k: save(
            convert(obj) if isinstance(obj, torch.Tensor) else obj, f, *a, **k))

    return patch


WIDE_UNSIGNED = (torch.uint16, torch.uint32, torch.uint64)


def unsigned_as_int64(t):
    return t.to(torch.int64) if t.dtype in WIDE_UNSIGNED else t


def reversed_bytes(t):
    """Every element's bytes in the other order (a writer that ignores byte order)."""
    if t.element_size() == 1 or t.numel() == 0:
        return t
    raw = t.reshape(-1).view(torch.uint8).reshape(-1, t.element_size()).flip(1)
    return raw.reshape(-1).view(t.dtype).reshape(t.shape)


def load_default_flipped(mp):
    """torch.load's default weights_only is the other side's of the 2.6 change."""
    flipped = not LOAD_WEIGHTS_ONLY_DEFAULT.applies()

    def make(load):
        def broken(f, *args, weights_only=None, **kwargs):
            return load(f, *args, weights_only=flipped if weights_only is None else weights_only,
                        **kwargs)

        return broken

    wrap(mp, torch, "load", make)


def load_forcing_weights_only(value):
    """torch.load ignores the caller's weights_only: False lets the weights-only unpickler
    allow everything, True refuses what weights_only=False should load."""

    def patch(mp):
        def make(load):
            def broken(f, *args, weights_only=None, **kwargs):
                return load(f, *args, weights_only=value, **kwargs)

            return broken

        wrap(mp, torch, "load", make)

    return patch


def load_state_dict_forcing(**forced):
    """nn.Module.load_state_dict ignores the caller's value of these keywords."""

    def patch(mp):
        def make(load):
            def broken(self, state, strict=True, assign=False):
                return load(self, state, **{**dict(strict=strict, assign=assign), **forced})

            return broken

        wrap(mp, torch.nn.Module, "load_state_dict", make)

    return patch


def load_state_dict_forgets_unexpected_keys(mp):
    def make(load):
        def broken(self, state, strict=True, assign=False):
            return load(self, state, strict=strict, assign=assign)._replace(unexpected_keys=[])

        return broken

    wrap(mp, torch.nn.Module, "load_state_dict", make)


def load_state_dict_skips_buffers(mp):
    def make(load):
        def broken(self, state, strict=True, assign=False):
            buffers = {key for key, _ in self.named_buffers()}
            result = load(self, {k: v for k, v in state.items() if k not in buffers}, strict=False,
                          assign=assign)
            missing = [key for key in result.missing_keys if key not in buffers]
            return result._replace(missing_keys=missing)

        return broken

    wrap(mp, torch.nn.Module, "load_state_dict", make)


def state_dict_returns_copies(mp):
    def make(state_dict):
        def broken(self, *args, **kwargs):
            result = state_dict(self, *args, **kwargs)
            for key, value in result.items():
                result[key] = value.clone()
            return result

        return broken

    wrap(mp, torch.nn.Module, "state_dict", make)


ROUND_TRIP = "suite/conformance/test_serialization.py::test_tensor_of_every_dtype_round_trips"

BREAKAGES = [
    Breakage("save-stores-wide-unsigned-as-int64", save_converts_tensors(unsigned_as_int64), [
        f"{ROUND_TRIP}[*-uint16]", f"{ROUND_TRIP}[*-uint32]", f"{ROUND_TRIP}[*-uint64]",
    ]),
    Breakage("save-reverses-byte-order", save_converts_tensors(reversed_bytes), [
        f"{ROUND_TRIP}[*-{name}]" for name in (
            "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64", "complex64",
            "complex128", "uint16", "uint32", "uint64")
    ]),
    Breakage("save-rounds-float32-to-bfloat16", save_rounds_float32_through_bfloat16, [
        "suite/conformance/test_serialization.py::test_state_dict_round_trip_of_random_architecture",
        "suite/conformance/test_serialization.py::test_state_dict_round_trip_of_tutorial_model",
        "suite/conformance/test_serialization.py::test_tutorial_save_to_runs_best_pth",
    ]),
    Breakage("load_state_dict-skips-buffers", load_state_dict_skips_buffers, [
        "suite/conformance/test_serialization.py::test_state_dict_round_trip_of_random_architecture",
        "suite/conformance/test_serialization.py::test_state_dict_round_trip_of_tutorial_model[*-MyNetwork-file]",
        "suite/conformance/test_serialization.py::test_state_dict_round_trip_of_tutorial_model[*-MyNetwork-bytesio]",
        "suite/conformance/test_serialization.py::test_state_dict_round_trip_of_tutorial_model[*-ConvBnConv-file]",
        "suite/conformance/test_serialization.py::test_state_dict_round_trip_of_tutorial_model[*-ConvBnConv-bytesio]",
        "suite/conformance/test_serialization.py::test_tutorial_save_to_runs_best_pth",
    ]),
    Breakage("load_state_dict-ignores-strict", load_state_dict_forcing(strict=False), [
        "suite/conformance/test_serialization.py::test_strict_load_names_missing_and_unexpected_keys",
    ]),
    Breakage("load_state_dict-forgets-unexpected-keys", load_state_dict_forgets_unexpected_keys, [
        "suite/conformance/test_serialization.py::test_non_strict_load_reports_exact_key_lists",
    ]),
    Breakage("load_state_dict-assigns", load_state_dict_forcing(assign=True), [
        "suite/conformance/test_serialization.py::test_loaded_state_dict_is_a_copy",
    ]),
    Breakage("state_dict-returns-copies", state_dict_returns_copies, [
        "suite/conformance/test_serialization.py::test_loaded_state_dict_is_a_copy",
    ]),
    # a default of True before 2.6 makes torch.load refuse what it should load
    Breakage("load-default-weights_only-flipped", load_default_flipped, [
        "suite/conformance/test_serialization.py::test_whole_model_default_load_follows_release",
        "suite/conformance/test_serialization.py::test_weights_only_refuses_code_execution",
    ], caught_as=FAILED + (pickle.UnpicklingError,)),
    Breakage("weights-only-unpickler-allows-everything", load_forcing_weights_only(False), [
        "suite/conformance/test_serialization.py::test_whole_model_needs_weights_only_false",
        "suite/conformance/test_serialization.py::test_weights_only_refuses_code_execution",
    ]),
    Breakage("load-ignores-weights_only-False", load_forcing_weights_only(True), [
        "suite/conformance/test_serialization.py::test_whole_model_needs_weights_only_false",
        "suite/conformance/test_serialization.py::test_weights_only_refuses_code_execution",
    ], caught_as=FAILED + (pickle.UnpicklingError,)),
]
