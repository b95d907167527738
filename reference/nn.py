"""Independent numpy oracles for torch.nn behaviour.

Each function follows PyTorch's documented formula literally, with direct loops over tiny
inputs, so that it can be checked by eye. Layout is NCHW, arithmetic is float64, results are
numpy arrays. This module must never import torch: it is what torch is compared against.
"""

import numbers

import numpy as np

REDUCTIONS = ("none", "mean", "sum")


def pair(v):
    """(v, v) for an int; a pair is returned unchanged."""
    if isinstance(v, numbers.Integral):
        return (v, v)
    if isinstance(v, tuple) and len(v) == 2:
        return v
    raise ValueError(f"expected an int or a pair of ints, got {v!r}")


def _require_window_args(kernel, stride, padding, dilation):
    if kernel < 1 or stride < 1 or dilation < 1:
        raise ValueError(
            f"kernel, stride and dilation must be >= 1, got {kernel}, {stride}, {dilation}"
        )
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    """floor((size + 2*padding - dilation*(kernel-1) - 1) / stride) + 1, as the Conv2d docs."""
    _require_window_args(kernel, stride, padding, dilation)
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def pool_output_size(size, kernel, stride, padding=0, dilation=1, ceil_mode=False):
    """The pooling docs' output size: the conv formula with floor, or ceil in ceil_mode."""
    _require_window_args(kernel, stride, padding, dilation)
    numerator = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    # Documented: in ceil mode a last window that would start in the right padding is dropped.
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _require_ndim(array, ndim, name):
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")


def _require_output_size(out, dim):
    if out < 1:
        raise ValueError(f"kernel larger than the padded input along {dim} (output size {out})")


def _require_pool_padding(padding, kernel):
    # Documented: F.max_pool2d's padding "must be >= 0 and <= kernel_size / 2" (not the
    # dilated kernel: dilation does not widen the limit); AvgPool2d's note "pad should be at
    # most half of effective kernel size", which without dilation is kernel_size / 2 too.
    # (nn.MaxPool2d's own docstring gives no limit; its functional form's does.)
    if 2 * padding > kernel:
        raise ValueError(f"padding {padding} is more than half the kernel size {kernel}")


# Conv2d's padding_mode names, as numpy.pad spells the same padding (the pad docs:
# ReflectionPad2d reflects without repeating the edge, ReplicationPad2d repeats the edge,
# CircularPad2d wraps around).
PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _require_mode_padding(before, after, size, mode):
    # Documented limits: ReflectionPad2d "padding size should be less than the corresponding
    # input dimension", CircularPad2d "less than or equal to" it; zeros and replicate: none.
    if mode == "reflect" and max(before, after) >= size:
        raise ValueError(f"reflect padding {max(before, after)} must be less than the size {size}")
    if mode == "circular" and max(before, after) > size:
        raise ValueError(f"circular padding {max(before, after)} must be at most the size {size}")


def _per_side(padding):
    """((top, bottom), (left, right)) from an int, a pair, 'valid', or per-side pairs."""
    if padding == "valid":  # documented: the same as no padding
        return (0, 0), (0, 0)
    if isinstance(padding, tuple) and all(isinstance(p, tuple) for p in padding):
        return padding
    return tuple((p, p) for p in pair(padding))


def same_padding_splits(kernel, dilation):
    """The (before, after) paddings of one dim that keep the size at stride 1.

    The docs say only that padding='same' "pads the input so the output has the shape as the
    input": dilation*(kernel-1) in total. Where that total is odd they do not say which side
    gets the extra element, so both near-symmetric splits are returned."""
    total = dilation * (kernel - 1)
    return sorted({(total // 2, total - total // 2), (total - total // 2, total // 2)})


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """Cross-correlation (no kernel flip), as the Conv2d docs' formula, the input padded by
    `padding` (an int, a pair, 'valid', or ((top, bottom), (left, right))) in `padding_mode`."""
    x, weight = np.asarray(x, dtype=np.float64), np.asarray(weight, dtype=np.float64)
    _require_ndim(x, 4, "x")
    _require_ndim(weight, 4, "weight")
    n, c_in, height, width = x.shape
    c_out, c_in_per_group, kh, kw = weight.shape
    if groups < 1 or c_in % groups or c_out % groups:
        raise ValueError(f"in ({c_in}) and out ({c_out}) channels must divide by groups {groups}")
    if c_in_per_group != c_in // groups:
        raise ValueError(f"weight expects {c_in_per_group * groups} input channels, x has {c_in}")
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float64)
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},), got {bias.shape}")
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    (top, bottom), (left, right) = _per_side(padding)
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {tuple(PADDING_MODES)}, got {padding_mode!r}")
    _require_mode_padding(top, bottom, height, padding_mode)
    _require_mode_padding(left, right, width, padding_mode)
    # the output-size formula with 2*padding written as the two sides' sum
    out_h = (height + top + bottom - dh * (kh - 1) - 1) // sh + 1
    out_w = (width + left + right - dw * (kw - 1) - 1) // sw + 1
    _require_output_size(out_h, "height")
    _require_output_size(out_w, "width")

    padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), PADDING_MODES[padding_mode])
    out_per_group = c_out // groups
    out = np.zeros((n, c_out, out_h, out_w))
    for b in range(n):
        for oc in range(c_out):
            first = (oc // out_per_group) * c_in_per_group
            channels = padded[b, first:first + c_in_per_group]
            for i in range(out_h):
                for j in range(out_w):
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                    patch = channels[:, rows, cols]
                    out[b, oc, i, j] = np.sum(patch * weight[oc])
            if bias is not None:
                out[b, oc] += bias[oc]
    return out


def _real_positions(index, stride, padding, kernel, dilation, size):
    """Input positions of window `index` that lie inside the input (not in any padding)."""
    start = index * stride - padding
    return [p for p in range(start, start + dilation * (kernel - 1) + 1, dilation) if 0 <= p < size]


def max_pool2d(x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max over each window; the padding is -inf (documented), so only real input positions
    can win.

    The docs do not single out a dilated window whose taps all land on padding (or, in
    ceil mode, past it); their "implicitly padded with negative infinity" makes its max
    -inf, and so does the oracle. A ceil-mode window may "go off-bounds": taps past the
    padded input are no input element and take no part in the max."""
    x = np.asarray(x, dtype=np.float64)
    _require_ndim(x, 4, "x")
    (kh, kw) = pair(kernel)
    (sh, sw) = pair(kernel if stride is None else stride)
    (ph, pw), (dh, dw) = pair(padding), pair(dilation)
    _require_pool_padding(ph, kh)
    _require_pool_padding(pw, kw)
    height, width = x.shape[2:]
    out_h = pool_output_size(height, kh, sh, ph, dh, ceil_mode)
    out_w = pool_output_size(width, kw, sw, pw, dw, ceil_mode)
    _require_output_size(out_h, "height")
    _require_output_size(out_w, "width")

    out = np.empty(x.shape[:2] + (out_h, out_w))
    for i in range(out_h):
        rows = _real_positions(i, sh, ph, kh, dh, height)
        for j in range(out_w):
            cols = _real_positions(j, sw, pw, kw, dw, width)
            if rows and cols:
                out[:, :, i, j] = x[:, :, rows][:, :, :, cols].max(axis=(2, 3))
            else:  # a dilated window can land on padding alone: the max of -inf values
                out[:, :, i, j] = -np.inf
    return out


def max_pool2d_windows(height, width, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
    """windows[i][j]: the flat indices h * width + w of the input positions in window (i, j)
    (the positions return_indices may name); empty for a window wholly in padding, whose
    index the docs leave open since its -inf max is no input element."""
    (kh, kw) = pair(kernel)
    (sh, sw) = pair(kernel if stride is None else stride)
    (ph, pw), (dh, dw) = pair(padding), pair(dilation)
    out_h = pool_output_size(height, kh, sh, ph, dh, ceil_mode)
    out_w = pool_output_size(width, kw, sw, pw, dw, ceil_mode)
    return [[[h * width + w for h in _real_positions(i, sh, ph, kh, dh, height)
              for w in _real_positions(j, sw, pw, kw, dw, width)]
             for j in range(out_w)] for i in range(out_h)]


def _avg_window(index, stride, padding, kernel, size):
    """(start, end, pool_size) of window `index` along one dim: [start, end) its input
    positions, pool_size its positions in the zero-padded input (see avg_pool2d)."""
    start = index * stride - padding
    end = min(start + kernel, size + padding)
    pool_size = end - start
    return max(start, 0), min(end, size), pool_size


def avg_pool2d(x, kernel, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average over each window of the zero-padded input, as the AvgPool2d docs word it.

    The docs: the input "is implicitly zero-padded on both sides for padding number of
    points"; count_include_pad "will include the zero-padding in the averaging
    calculation"; divisor_override "will be used as divisor, otherwise size of the pooling
    region will be used"; and in ceil mode windows "are allowed to go off-bounds" (a last
    window starting in the right padding is dropped). So a window's elements are its
    positions inside the padded input: input elements and `padding` zeros on each side. The
    off-bounds part of a ceil-mode window, past the padded input, is neither input nor
    zero-padding; the docs name nothing there to average, so it counts in no divisor (the
    docs do not spell this case out: this is the reading their wording gives).
    divisor = divisor_override if given; else the window's positions in the padded input
    (count_include_pad=True); else its input positions alone.
    """
    x = np.asarray(x, dtype=np.float64)
    _require_ndim(x, 4, "x")
    (kh, kw) = pair(kernel)
    (sh, sw) = pair(kernel if stride is None else stride)
    (ph, pw) = pair(padding)
    _require_pool_padding(ph, kh)
    _require_pool_padding(pw, kw)
    if divisor_override is not None and divisor_override == 0:
        raise ValueError("divisor_override must be non-zero")
    height, width = x.shape[2:]
    out_h = pool_output_size(height, kh, sh, ph, 1, ceil_mode)
    out_w = pool_output_size(width, kw, sw, pw, 1, ceil_mode)
    _require_output_size(out_h, "height")
    _require_output_size(out_w, "width")

    out = np.empty(x.shape[:2] + (out_h, out_w))
    for i in range(out_h):
        h0, h1, pool_h = _avg_window(i, sh, ph, kh, height)
        for j in range(out_w):
            w0, w1, pool_w = _avg_window(j, sw, pw, kw, width)
            if divisor_override is not None:
                divisor = divisor_override
            elif count_include_pad:
                divisor = pool_h * pool_w
            else:
                divisor = (h1 - h0) * (w1 - w0)
            out[:, :, i, j] = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3)) / divisor
    return out


def _adaptive_bins(in_size, out_size):
    """Bin i covers [floor(i*In/Out), ceil((i+1)*In/Out)), in integer arithmetic."""
    return [((i * in_size) // out_size, -((-(i + 1) * in_size) // out_size))
            for i in range(out_size)]


def adaptive_avg_pool2d(x, output_size):
    """Mean over each adaptive bin; neighbouring bins may overlap when In is not a multiple.

    output_size is H, (H, W), or a pair with None entries, which (documented) keep that
    input size. PyTorch's docs give only the output size, not the bins: the bins are the
    formula that MindSpore documents for its AdaptiveAvgPool2d (see _adaptive_bins)."""
    x = np.asarray(x, dtype=np.float64)
    _require_ndim(x, 4, "x")
    height, width = x.shape[2:]
    out_h, out_w = pair(output_size) if output_size is not None else (None, None)
    out_h, out_w = height if out_h is None else out_h, width if out_w is None else out_w
    if out_h < 1 or out_w < 1:
        raise ValueError(f"output_size must be >= 1, got {output_size!r}")
    if height < 1 or width < 1:
        raise ValueError(f"input spatial size must be >= 1, got {(height, width)}")

    out = np.empty(x.shape[:2] + (out_h, out_w))
    for i, (h0, h1) in enumerate(_adaptive_bins(height, out_h)):
        for j, (w0, w1) in enumerate(_adaptive_bins(width, out_w)):
            out[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    return out


def linear(x, weight, bias=None):
    """x @ weight.T + bias."""
    out = np.asarray(x, dtype=np.float64) @ np.asarray(weight, dtype=np.float64).T
    return out if bias is None else out + np.asarray(bias, dtype=np.float64)


def relu(x):
    """max(x, 0) elementwise."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def _shift_by_max(x, axis):
    """x minus its max along axis (an empty axis has nothing to shift)."""
    x = np.asarray(x, dtype=np.float64)
    return x if x.shape[axis] == 0 else x - x.max(axis=axis, keepdims=True)


def softmax(x, axis):
    """exp(x) / sum(exp(x)) along axis; the max is subtracted first to avoid overflow."""
    shifted = _shift_by_max(x, axis)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=axis, keepdims=True)


def log_softmax(x, axis):
    """x - log(sum(exp(x))) along axis, computed as (x - max) - log(sum(exp(x - max)))."""
    shifted = _shift_by_max(x, axis)
    if shifted.shape[axis] == 0:
        return shifted
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _require_class_targets(target, num_classes):
    target = np.asarray(target)
    if not np.issubdtype(target.dtype, np.integer):
        raise ValueError(f"target must hold integer class indices, got dtype {target.dtype}")
    if target.size and (target.min() < 0 or target.max() >= num_classes):
        raise ValueError(f"target values must lie in [0, {num_classes})")
    return target


def nll_loss(log_probs, target, weight=None, reduction="mean"):
    """Per sample -w[t_n] * log_probs[n, t_n]; "mean" divides the sum by sum(w[t_n])."""
    log_probs = np.asarray(log_probs, dtype=np.float64)
    _require_ndim(log_probs, 2, "log_probs")
    n, num_classes = log_probs.shape
    target = _require_class_targets(target, num_classes)
    if target.shape != (n,):
        raise ValueError(f"target must have shape ({n},), got {target.shape}")
    weight = np.ones(num_classes) if weight is None else np.asarray(weight, dtype=np.float64)
    if weight.shape != (num_classes,):
        raise ValueError(f"weight must have shape ({num_classes},), got {weight.shape}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")

    sample_weights = np.array([weight[t] for t in target])
    losses = np.array([-sample_weights[i] * log_probs[i, t] for i, t in enumerate(target)])
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / sample_weights.sum()


def cross_entropy(logits, target, weight=None, reduction="mean"):
    """nll_loss of log_softmax over the class axis (integer class targets only)."""
    return nll_loss(log_softmax(logits, axis=1), target, weight, reduction)


def one_hot(labels, num_classes):
    """int64 array of shape labels.shape + (num_classes,) with a 1 at each label."""
    labels = _require_class_targets(labels, num_classes)
    return (labels[..., np.newaxis] == np.arange(num_classes)).astype(np.int64)


def batch_norm(x, mean, var, weight, bias, eps):
    """BatchNorm2d's formula, per channel C of NCHW `x`: (x - mean) / sqrt(var + eps) * weight + bias."""
    _require_ndim(x, 4, "x")
    per_channel = (1, -1, 1, 1)
    mean, var = np.asarray(mean).reshape(per_channel), np.asarray(var).reshape(per_channel)
    return ((x - mean) / np.sqrt(var + eps) * np.asarray(weight).reshape(per_channel)
            + np.asarray(bias).reshape(per_channel))


def batch_norm_running_stats(running_mean, running_var, batches, momentum):
    """The running statistics after training-mode forwards of `batches` (NCHW), as BatchNorm's
    docs define them: running = (1 - momentum) * running + momentum * batch statistic, the
    variance unbiased (ddof 1); momentum=None gives the cumulative (simple) average of the
    batch statistics. Returns (running_mean, running_var)."""
    means = [x.mean(axis=(0, 2, 3)) for x in batches]
    variances = [x.var(axis=(0, 2, 3), ddof=1) for x in batches]
    if momentum is None:
        return np.mean(means, axis=0), np.mean(variances, axis=0)
    for mean, var in zip(means, variances):
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var
    return running_mean, running_var


def cross_entropy_with_options(logits, target, weight=None, reduction="mean", ignore_index=-100,
                               label_smoothing=0.0):
    """CrossEntropyLoss with class-index targets, ignore_index and label_smoothing, as its docs
    write it: l_n = -w[y_n] * log p[n, y_n] * 1{y_n != ignore_index}, p = softmax over classes;
    'mean' is sum(l_n) / sum(w[y_n] * 1{y_n != ignore_index}) (nan when every target is
    ignored), 'sum' the plain sum. With smoothing eps the target becomes the mixture
    q = (1 - eps) * onehot(y_n) + eps / C and l_n = -sum_c q_c log p[n, c] * 1{...}; the docs
    define no weighted form of it, so weight and label_smoothing > 0 are refused here."""
    log_probs = log_softmax(np.asarray(logits, dtype=np.float64), axis=1)
    _require_ndim(log_probs, 2, "logits")
    n, num_classes = log_probs.shape
    target = np.asarray(target)
    kept = target != ignore_index
    _require_class_targets(target[kept], num_classes)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must lie in [0, 1], got {label_smoothing}")
    if weight is not None and label_smoothing:
        raise ValueError("the docs define no weighted label smoothing")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    weight = np.ones(num_classes) if weight is None else np.asarray(weight, dtype=np.float64)
    losses, sample_weights = np.zeros(n), np.zeros(n)
    for i in range(n):
        if not kept[i]:
            continue
        q = np.full(num_classes, label_smoothing / num_classes)
        q[target[i]] += 1.0 - label_smoothing
        sample_weights[i] = weight[target[i]]
        losses[i] = -weight[target[i]] * (q * log_probs[i]).sum()
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    with np.errstate(invalid="ignore"):  # 0 / 0 when every target is ignored: nan
        return np.float64(losses.sum()) / np.float64(sample_weights.sum())


def mse_loss(x, y, reduction="mean"):
    """MSELoss: l_n = (x_n - y_n)^2 elementwise; 'mean' averages them (nan for no elements),
    'sum' sums them."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"input and target shapes differ: {x.shape} and {y.shape}")
    losses = (x - y) ** 2
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    with np.errstate(invalid="ignore"):  # the mean of no elements is 0 / 0: nan
        return np.float64(losses.sum()) / np.float64(losses.size)
