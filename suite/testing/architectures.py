"""Model architectures drawn by hypothesis, as plain data, and the plain-Python walks that are
their oracle (which parameters, buffers and submodules a model of that shape has, in which
order, as the nn.Module documentation lists them).

A spec is a tree: a Leaf is a layer, a Node is a container (Sequential, ModuleList,
ModuleDict) or the root nn.Module. `trees()` draws nested containers (the module tree, not
meant to run); `runnable()` draws a Sequential that runs on an input it carries (the
serialization tests compare outputs). `build` makes the torch module, looking torch.nn up at
call time, so a monkeypatched torch is the one under test.
"""

from dataclasses import dataclass

import torch
from hypothesis import strategies as st

BATCHNORM_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")
DICT_KEYS = ("stem", "head", "left", "right", "tail")  # drawn in any order, never sorted
ATTRIBUTES = ("encoder", "decoder", "body", "neck")
SIDE = st.integers(1, 3)
LEAF_KINDS = ("Linear", "Conv2d", "BatchNorm2d", "ReLU", "Flatten")
CONTAINER_KINDS = ("Sequential", "ModuleList", "ModuleDict")


@dataclass(frozen=True)
class Leaf:
    """A layer: Linear (in, out), Conv2d (in, out, kernel), BatchNorm2d (channels,), ReLU () or
    Flatten (); `bias` is Linear's and Conv2d's bias, and BatchNorm2d's `affine`."""

    kind: str
    sizes: tuple = ()
    bias: bool = True


@dataclass(frozen=True)
class Node:
    """A container (Sequential, ModuleList, ModuleDict) or the root nn.Module; `children`
    are (name, spec) pairs in registration order."""

    kind: str
    children: tuple


@dataclass(frozen=True)
class Runnable:
    """A spec that runs: build(spec) in `dtype` takes inputs of `input_shape`."""

    spec: Node
    dtype: torch.dtype
    input_shape: tuple

    def build(self, device):
        return build(self.spec).to(device=device, dtype=self.dtype)

    def __repr__(self):
        return f"{describe(self.spec)} in {self.dtype} on {self.input_shape}"


def leaves():
    return st.one_of(
        st.builds(lambda i, o, bias: Leaf("Linear", (i, o), bias), SIDE, SIDE, st.booleans()),
        st.builds(
            lambda i, o, k, bias: Leaf("Conv2d", (i, o, k), bias), SIDE, SIDE, SIDE, st.booleans()
        ),
        st.builds(lambda c, affine: Leaf("BatchNorm2d", (c,), affine), SIDE, st.booleans()),
        st.just(Leaf("ReLU", (), False)),
    )


def containers(children):
    def numbered(kind):
        return st.lists(children, max_size=3).map(
            lambda specs: Node(kind, tuple((str(i), spec) for i, spec in enumerate(specs)))
        )

    keyed = st.lists(st.sampled_from(DICT_KEYS), unique=True, max_size=3).flatmap(
        lambda keys: st.tuples(*(children for _ in keys)).map(
            lambda specs: Node("ModuleDict", tuple(zip(keys, specs)))
        )
    )
    return st.one_of(numbered("Sequential"), numbered("ModuleList"), keyed)


@st.composite
def trees(draw):
    """A root nn.Module whose attributes (assigned in a drawn order) are nested containers."""
    names = draw(st.permutations(ATTRIBUTES))[: draw(st.integers(1, len(ATTRIBUTES)))]
    parts = st.recursive(leaves(), containers, max_leaves=6)
    return Node("Module", tuple((name, draw(parts, label=name)) for name in names))


@st.composite
def runnable(draw):
    """Conv2d / BatchNorm2d layers on a small image, then Flatten and Linear layers, as one
    Sequential; at least one layer, so every model has something to save."""
    channels, side = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    input_shape = (draw(st.integers(1, 3)), channels, side, side)
    layers = []
    for kind in draw(st.lists(st.sampled_from(["Conv2d", "BatchNorm2d"]), max_size=3)):
        if kind == "Conv2d":
            out = draw(st.integers(1, 3))
            kernel = draw(st.sampled_from([k for k in (1, 3) if k <= side]))
            layers.append(Leaf("Conv2d", (channels, out, kernel), draw(st.booleans())))
            channels, side = out, side - kernel + 1
        else:
            layers.append(Leaf("BatchNorm2d", (channels,), draw(st.booleans())))
    features = channels * side * side
    heads = draw(st.lists(st.tuples(st.integers(1, 4), st.booleans()),
                          min_size=0 if layers else 1, max_size=2))
    if heads:
        layers.append(Leaf("Flatten"))
    for out, bias in heads:
        layers.append(Leaf("Linear", (features, out), bias))
        features = out
    spec = Node("Sequential", tuple((str(i), layer) for i, layer in enumerate(layers)))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return Runnable(spec, dtype, input_shape)


def describe(spec) -> str:
    if isinstance(spec, Leaf):
        flag = "" if spec.bias or spec.kind in ("ReLU", "Flatten") else ", no bias/affine"
        return f"{spec.kind}{spec.sizes}{flag}"
    inner = ", ".join(f"{name}={describe(child)}" for name, child in spec.children)
    return f"{spec.kind}({inner})"


def join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def walk(spec, prefix=""):
    """(dotted name, spec) of every module, root first (named ""), then depth-first."""
    yield prefix, spec
    if isinstance(spec, Node):
        for name, child in spec.children:
            yield from walk(child, join(prefix, name))


def leaf_parameters(leaf):
    """(name, shape) of a layer's parameters, as its documentation lists them."""
    if leaf.kind == "Linear":
        fan_in, out = leaf.sizes
        shapes = [("weight", (out, fan_in)), ("bias", (out,))]
    elif leaf.kind == "Conv2d":
        fan_in, out, k = leaf.sizes
        shapes = [("weight", (out, fan_in, k, k)), ("bias", (out,))]
    elif leaf.kind == "BatchNorm2d":
        return [("weight", leaf.sizes), ("bias", leaf.sizes)] if leaf.bias else []
    else:
        return []
    return shapes if leaf.bias else shapes[:1]


def expected_parameters(spec):
    return [
        (join(path, name), shape)
        for path, node in walk(spec)
        if isinstance(node, Leaf)
        for name, shape in leaf_parameters(node)
    ]


def expected_state_keys(spec):
    keys = []
    for path, node in walk(spec):
        if isinstance(node, Leaf):
            keys += [join(path, name) for name, _ in leaf_parameters(node)]
            if node.kind == "BatchNorm2d":
                keys += [join(path, name) for name in BATCHNORM_BUFFERS]
    return keys


def build(spec):
    """The torch module a spec describes (torch.nn looked up now: it may be patched)."""
    nn = torch.nn
    if isinstance(spec, Leaf):
        if spec.kind == "Linear":
            return nn.Linear(*spec.sizes, bias=spec.bias)
        if spec.kind == "Conv2d":
            return nn.Conv2d(*spec.sizes, bias=spec.bias)
        if spec.kind == "BatchNorm2d":
            return nn.BatchNorm2d(*spec.sizes, affine=spec.bias)
        return getattr(nn, spec.kind)()
    children = [(name, build(child)) for name, child in spec.children]
    if spec.kind == "Sequential":
        return nn.Sequential(*(module for _, module in children))
    if spec.kind == "ModuleList":
        return nn.ModuleList(module for _, module in children)
    if spec.kind == "ModuleDict":
        return nn.ModuleDict(dict(children))
    root = nn.Module()
    for name, module in children:
        setattr(root, name, module)
    return root
