"""Saving and loading models (seed 000 §1-2: torch.save(model, "Conv2d.pth") / torch.load;
seed 002 모델 저장하고 불러오기: torch.save(model.state_dict()), model.load_state_dict(
torch.load(...)), torch.save(model); seed 004 모델 저장하기 / 불러오기: ./runs/best.pth).

Documented: a state_dict holds every parameter and persistent buffer; saved (to a file or a
file-like object) and loaded into a new instance of the same model, it restores them bit
for bit, dtype included. load_state_dict is strict by default (RuntimeError naming the
missing and unexpected keys); strict=False reports them instead, and copies the values into
the model's own tensors. torch.load's weights_only (True by default from 2.6) refuses any
pickle that would import or call something outside its allow-list, a whole pickled module
included.

Oracles: numpy copies of the random values written into a model before it is saved
(compared byte for byte), key lists as plain Python sets, the seeds' printed names and
shapes, and the torch.load documentation of each release (suite.testing.versions gates).
"""

import io
import itertools
import os
import pickle
import re
import tempfile
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reference import claims as catalog
from suite.testing import models
from suite.testing.architectures import runnable
from suite.testing.strategies import NUMPY_DTYPE, TORCH_DTYPE, dtype_id, without_shrinking
from suite.testing.tolerances import to_numpy
from suite.testing.versions import LOAD_WEIGHTS_ONLY_DEFAULT, LOAD_WEIGHTS_ONLY_WARNING
from suite.testing.claims import covers

SINKS = ("file", "bytesio")
SEED = 2024  # of the random values written into the tutorial models
SEEDS = st.integers(0, 2**32 - 1)


# -- models and their values --------------------------------------------------------------


@dataclass(frozen=True)
class TutorialModel:
    """A model of suite/testing/models.py: constructor arguments, an input it accepts, and what a
    seed prints about it after loading (names and shapes of its state_dict, its repr)."""

    args: tuple
    input_shape: tuple
    printed_state: tuple = ()
    printed_repr: str = ""


TUTORIAL_MODELS = {
    "SingleConvModel": TutorialModel(
        (1, 1, 3), (1, 1, 3, 3),  # seed 000: in_channels=out_channels=1, kernel 3, a 3x3 image
        printed_state=(("conv.weight", (1, 1, 3, 3)), ("conv.bias", (1,))),
        printed_repr=catalog.printed("singleconv_seed000").strip(),
    ),
    "MyModel": TutorialModel((), (1, 1, 9, 9)),  # two 5x5 convolutions need 9x9
    "NeuralNetwork": TutorialModel((), (1, 28, 28)),  # seed 002: X = torch.rand(1, 28, 28)
    "Net": TutorialModel((), (2, 1, 28, 28)),  # its view(-1, 7 * 7 * 10) needs 28x28
    "MyNetwork": TutorialModel((), (2, 3, 16, 16)),
    "MyLinearModel": TutorialModel((3, 2), (4, 3)),  # seed 004: MyLinearModel(3, 2)
    "ConvBnConv": TutorialModel((), (2, 1, 4, 4)),
}


def build_tutorial(name, device):
    return getattr(models, name)(*TUTORIAL_MODELS[name].args).to(device)


def live_state(model):
    """The model's own parameters and buffers by state_dict key, read without state_dict()."""
    return dict(itertools.chain(model.named_parameters(), model.named_buffers()))


def randomize(model, seed):
    """Write random values into every parameter and buffer (fresh models, and the all-ones
    MyLinearModel, would otherwise agree by chance); return numpy copies of them by key."""
    rng = np.random.default_rng(seed)
    values = {}
    with torch.no_grad():
        for key, tensor in live_state(model).items():
            dtype = NUMPY_DTYPE[tensor.dtype]
            if dtype.kind == "f":
                array = np.asarray(rng.standard_normal(tuple(tensor.shape)), dtype=dtype)
                if key.endswith("running_var"):
                    array = np.abs(array) + dtype.type(0.5)  # a variance is positive
            else:
                array = np.asarray(rng.integers(1, 1000, size=tuple(tensor.shape)), dtype=dtype)
            tensor.copy_(torch.from_numpy(array))
            values[key] = array
    return values


def random_input(shape, dtype, device, seed):
    array = np.random.default_rng(seed).standard_normal(shape).astype(NUMPY_DTYPE[dtype])
    return torch.from_numpy(array).to(device)


def assert_holds(state, values, what):
    """`state` (key -> tensor) has exactly the keys of `values`, and each tensor has its
    array's dtype, shape and bytes."""
    assert sorted(state) == sorted(values), (
        f"{what}: keys {sorted(state)}, expected {sorted(values)}"
    )
    for key, array in values.items():
        tensor = state[key]
        assert tensor.dtype == TORCH_DTYPE[array.dtype], (
            f"{what}: {key} has dtype {tensor.dtype}, saved as {TORCH_DTYPE[array.dtype]}"
        )
        assert tuple(tensor.shape) == array.shape, f"{what}: {key} has shape {tuple(tensor.shape)}"
        # a bool, not `bytes == bytes`: pytest would diff megabytes of bytes for the report
        identical = to_numpy(tensor).tobytes() == array.tobytes()
        assert identical, f"{what}: {key} is not bit-identical to the saved values"


# Every dtype of the torch.dtype table, uint16/32/64 ("limited support") included.
EVERY_DTYPE = (
    torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16,
    torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
    torch.uint16, torch.uint32, torch.uint64,
)


@without_shrinking()  # a strict xfail on the releases reference/bugs.py names
@pytest.mark.parametrize("dtype", EVERY_DTYPE, ids=dtype_id)
@given(data=st.data())
def test_tensor_of_every_dtype_round_trips(device, dtype, data):
    """torch.save / torch.load of a tensor of any dtype gives back its dtype, shape and bytes
    (random bytes: every bit pattern of the dtype, NaN payloads included; bool only 0 or 1)."""
    itemsize = torch.empty((), dtype=dtype).element_size()
    shape = data.draw(st.lists(st.integers(0, 4), max_size=3).map(tuple), label="shape")
    count = int(np.prod(shape, dtype=np.int64)) * itemsize
    raw = data.draw(st.binary(min_size=count, max_size=count), label="bytes")
    if dtype == torch.bool:
        raw = bytes(b & 1 for b in raw)
    t = torch.empty(shape, dtype=dtype)
    t.reshape(-1).view(torch.uint8).copy_(torch.tensor(list(raw), dtype=torch.uint8))
    t = t.to(device)
    sink = io.BytesIO()
    torch.save(t, sink)
    sink.seek(0)
    loaded = torch.load(sink, weights_only=True)
    assert loaded.dtype == dtype and tuple(loaded.shape) == shape and loaded.device == t.device
    loaded_bytes = loaded.cpu().reshape(-1).view(torch.uint8).numpy().tobytes()
    assert loaded_bytes == raw, "the loaded tensor's bytes differ from the saved ones"


def assert_same_outputs(model, restored, x):
    """Both models, in eval mode (BatchNorm uses its running statistics), give bit-identical
    outputs on the same input."""
    model.eval()
    restored.eval()
    with torch.no_grad():
        expected, actual = model(x), restored(x)
    assert torch.equal(actual, expected), "the restored model computes different outputs"


# -- saving and loading -------------------------------------------------------------------


def load_as_tutorial(source):
    """torch.load(source), weights_only not given, as the seeds call it. On torch 2.4-2.5 that
    call warns (FutureWarning) that its default weights_only=False will change."""
    if not LOAD_WEIGHTS_ONLY_DEFAULT.applies() and LOAD_WEIGHTS_ONLY_WARNING.applies():
        with pytest.warns(FutureWarning, match="weights_only"):
            return torch.load(source)
    return torch.load(source)


def save_and_load(obj, sink):
    """torch.save(obj) to a file or an io.BytesIO, and torch.load it back as the seeds do."""
    if sink == "bytesio":
        buffer = io.BytesIO()
        torch.save(obj, buffer)
        buffer.seek(0)
        return load_as_tutorial(buffer)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.pth")
        torch.save(obj, path)
        return load_as_tutorial(path)


def assert_state_dict_round_trip(model, new_instance, values, sink, x):
    """new_instance().load_state_dict(torch.load(...)) of model's saved state_dict restores
    `values` (model's parameters and buffers) and with them model's outputs on x."""
    loaded = save_and_load(model.state_dict(), sink)
    assert_holds(loaded, values, "the loaded state_dict")
    restored = new_instance()
    restored.load_state_dict(loaded)
    assert_holds(live_state(restored), values, "the new instance after load_state_dict")
    assert_same_outputs(model, restored, x)


@given(arch=runnable(), sink=st.sampled_from(SINKS), seed=SEEDS)
def test_state_dict_round_trip_of_random_architecture(device, arch, sink, seed):
    """A saved state_dict holds every parameter and buffer; load_state_dict(torch.load(...))
    into a new instance restores them bit for bit, dtype included, and so the outputs."""
    model = arch.build(device)
    values = randomize(model, seed)
    x = random_input(arch.input_shape, arch.dtype, device, seed)
    assert_state_dict_round_trip(model, lambda: arch.build(device), values, sink, x)


@pytest.mark.parametrize("sink", SINKS)
@pytest.mark.parametrize("name", TUTORIAL_MODELS)
def test_state_dict_round_trip_of_tutorial_model(device, name, sink):
    """Seed 002: torch.save(model.state_dict(), path), then model.load_state_dict(
    torch.load(path)) on a new instance restores the weights bit for bit, and the outputs."""
    model = build_tutorial(name, device)
    values = randomize(model, SEED)
    x = random_input(TUTORIAL_MODELS[name].input_shape, torch.float32, device, SEED)
    assert_state_dict_round_trip(model, lambda: build_tutorial(name, device), values, sink, x)


@covers("004-save-best-pth")
def test_tutorial_save_to_runs_best_pth(device):
    """Seed 004: after os.makedirs("./runs/", exist_ok=True) and torch.save(
    model.state_dict(), "./runs/best.pth"), os.listdir shows ['best.pth'];
    new_model.load_state_dict(torch.load(save_path)) matches every key and the values."""
    model = build_tutorial("ConvBnConv", device)  # the seed's Model: conv, BatchNorm, conv
    values = randomize(model, SEED)
    with tempfile.TemporaryDirectory() as root:
        save_folder = os.path.join(root, "runs")
        save_path = os.path.join(save_folder, "best.pth")
        os.makedirs(save_folder, exist_ok=True)
        torch.save(model.state_dict(), save_path)
        assert os.listdir(save_folder) == ["best.pth"]
        new_model = build_tutorial("ConvBnConv", device)
        result = new_model.load_state_dict(load_as_tutorial(save_path))
    assert (result.missing_keys, result.unexpected_keys) == ([], []), result
    assert_holds(live_state(new_model), values, "the seed's new_model")


# -- strict and non-strict loading --------------------------------------------------------

EXTRA_NAMES = ("extra", "head.weight", "scale", "zero_point", "weight_orig")  # in no model here


@st.composite
def edited_state_dicts(draw, model):
    """(state, removed, added): model.state_dict() with some keys removed and keys that the
    model does not have added: at the top, in a submodule, or below a parameter."""
    state = model.state_dict()
    removed = draw(st.lists(st.sampled_from(list(state)), unique=True, max_size=3), label="removed")
    prefixes = [""] + [f"{name}." for name, _ in model.named_modules() if name]
    prefixes += [f"{key}." for key in state]
    new_keys = st.builds("{}{}".format, st.sampled_from(prefixes), st.sampled_from(EXTRA_NAMES))
    added = draw(st.lists(new_keys, unique=True, max_size=3), label="added")
    for key in removed:
        del state[key]
    for key in added:
        assert key not in state
        state[key] = torch.zeros(1)
    return state, removed, added


def named_keys(message, section):
    """The quoted keys on the line of `message` that starts with `section` key(s)."""
    for line in message.splitlines():
        if line.strip().startswith(f"{section} key(s)"):
            return sorted(re.findall(r'"([^"]*)"', line))
    return []


@given(arch=runnable(), data=st.data())
def test_strict_load_names_missing_and_unexpected_keys(device, arch, data):
    """load_state_dict(sd, strict=True) raises RuntimeError whose message names every key the
    model has and sd lacks (missing) and every key sd has and the model lacks (unexpected);
    with neither it loads and reports no keys."""
    model = arch.build(device)
    values = randomize(model, 0)
    state, _, _ = data.draw(edited_state_dicts(model))
    missing, unexpected = sorted(set(values) - set(state)), sorted(set(state) - set(values))
    target = arch.build(device)
    if not missing and not unexpected:
        result = target.load_state_dict(state, strict=True)
        assert (result.missing_keys, result.unexpected_keys) == ([], []), result
        assert_holds(live_state(target), values, "the model after a strict load")
        return
    with pytest.raises(RuntimeError) as error:
        target.load_state_dict(state, strict=True)
    message = str(error.value)
    assert named_keys(message, "Missing") == missing, message
    assert named_keys(message, "Unexpected") == unexpected, message


@given(arch=runnable(), data=st.data())
def test_non_strict_load_reports_exact_key_lists(device, arch, data):
    """load_state_dict(sd, strict=False) does not raise; its missing_keys are exactly the keys
    the model has and sd lacks, its unexpected_keys exactly those sd has and the model lacks,
    and every key both have is loaded."""
    model = arch.build(device)
    values = randomize(model, 1)
    state, removed, _ = data.draw(edited_state_dicts(model))
    target = arch.build(device)
    result = target.load_state_dict(state, strict=False)
    assert sorted(result.missing_keys) == sorted(set(values) - set(state)), result
    assert sorted(result.unexpected_keys) == sorted(set(state) - set(values)), result
    kept = {key: array for key, array in values.items() if key not in removed}
    live = live_state(target)
    assert_holds({key: live[key] for key in kept}, kept, "the keys loaded by strict=False")


@given(arch=runnable(), seed=SEEDS)
def test_loaded_state_dict_is_a_copy(device, arch, seed):
    """model.state_dict() holds references to the model's tensors (documented), but
    load_state_dict copies: after loading a torch.load'ed state_dict, changing that dict's
    tensors leaves the model unchanged."""
    model = arch.build(device)
    values = randomize(model, seed)
    loaded = save_and_load(model.state_dict(), "bytesio")
    restored = arch.build(device)
    restored.load_state_dict(loaded)
    with torch.no_grad():
        for tensor in loaded.values():
            tensor.add_(1)
    assert_holds(live_state(restored), values, "the model after its loaded state_dict changed")
    assert_holds(live_state(model), values, "the saved model after the loaded state_dict changed")
    with torch.no_grad():
        for tensor in restored.state_dict().values():
            tensor.add_(1)
    for key, tensor in live_state(restored).items():
        assert not np.array_equal(to_numpy(tensor), values[key]), (
            f"changing model.state_dict()[{key!r}] did not change the model: not a reference"
        )


# -- whole modules and weights_only -------------------------------------------------------


def saved_whole(model, folder):
    path = os.path.join(folder, "model.pth")
    torch.save(model, path)  # seed 000: torch.save(model, "Conv2d.pth")
    return path


@covers("000-whole-model-load", "002-whole-model-load")
@pytest.mark.parametrize("name", TUTORIAL_MODELS)
def test_whole_model_default_load_follows_release(device, name):
    """torch.load(path) of a torch.save(model) file, as seeds 000 and 002 call it: from torch
    2.6 the default weights_only=True refuses the pickled module (pickle.UnpicklingError that
    points to weights_only); before 2.6 it returns the module with the saved weights."""
    model = build_tutorial(name, device)
    values = randomize(model, SEED)
    with tempfile.TemporaryDirectory() as folder:
        path = saved_whole(model, folder)
        if LOAD_WEIGHTS_ONLY_DEFAULT.applies():
            with pytest.raises(pickle.UnpicklingError, match="weights_only"):
                torch.load(path)
        else:
            loaded = load_as_tutorial(path)
            assert type(loaded) is type(model)
            assert_holds(live_state(loaded), values, f"the loaded {name}")


@pytest.mark.parametrize("name", TUTORIAL_MODELS)
def test_whole_model_needs_weights_only_false(device, name):
    """On every release torch.load(path, weights_only=True) refuses a pickled module
    (pickle.UnpicklingError), and torch.load(path, weights_only=False) unpickles it (its
    class importable from suite.testing.models): same class, same weights, and what the seed prints."""
    model = build_tutorial(name, device)
    values = randomize(model, SEED)
    with tempfile.TemporaryDirectory() as folder:
        path = saved_whole(model, folder)
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path, weights_only=True)
        loaded = torch.load(path, weights_only=False)
    assert type(loaded) is type(model)
    assert_holds(live_state(loaded), values, f"the loaded {name}")
    tutorial = TUTORIAL_MODELS[name]
    if tutorial.printed_state:
        shapes = tuple((key, tuple(t.shape)) for key, t in loaded.state_dict().items())
        assert shapes == tutorial.printed_state, f"state_dict names and shapes {shapes}"
    if tutorial.printed_repr:
        assert str(loaded) == tutorial.printed_repr


EXECUTED = []  # what the malicious checkpoint's pickled call appends to


def record_execution(marker):
    """The function a malicious pickle calls: a harmless side effect that shows it ran."""
    EXECUTED.append(marker)
    return marker


class RunsCodeWhenUnpickled:
    """Pickles as a call of record_execution(marker), as a malicious checkpoint would."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return record_execution, (self.marker,)


def malicious_checkpoint() -> bytes:
    buffer = io.BytesIO()
    torch.save({"weight": torch.ones(2), "payload": RunsCodeWhenUnpickled("ran")}, buffer)
    return buffer.getvalue()


def test_weights_only_refuses_code_execution():
    """torch.load(f, weights_only=True) refuses a pickle that calls a function outside its
    allow-list (pickle.UnpicklingError naming it) without calling it, on every release; so
    does the default torch.load(f) from 2.6, while before 2.6 it runs the call.
    weights_only=False runs it, so the refusals are not vacuous."""
    checkpoint = malicious_checkpoint()
    EXECUTED.clear()
    with pytest.raises(pickle.UnpicklingError, match="record_execution"):
        torch.load(io.BytesIO(checkpoint), weights_only=True)
    assert EXECUTED == [], "torch.load(weights_only=True) ran the pickled call"
    if LOAD_WEIGHTS_ONLY_DEFAULT.applies():
        with pytest.raises(pickle.UnpicklingError, match="record_execution"):
            torch.load(io.BytesIO(checkpoint))
        assert EXECUTED == [], "the default torch.load (weights_only=True) ran the pickled call"
    else:
        load_as_tutorial(io.BytesIO(checkpoint))
        assert EXECUTED == ["ran"], "the default torch.load (weights_only=False) did not unpickle"
        EXECUTED.clear()
    loaded = torch.load(io.BytesIO(checkpoint), weights_only=False)
    assert EXECUTED == ["ran"], "weights_only=False did not run it: the refusals prove nothing"
    assert loaded["payload"] == "ran"
    EXECUTED.clear()
