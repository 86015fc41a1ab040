"""Packing variable-length sequences: ``ember._pack_padded_sequence``,
``ember._pad_packed_sequence`` and ``pad_sequence`` (the kernels under ``nn.utils.rnn``).

A packed batch stores the timesteps one after another, each holding only the sequences still
running (sorted longest first): step ``t`` is ``batch_sizes[t]`` rows. Packing is a gather of
rows of the padded ``(T, B, *)`` array and unpacking the matching scatter, so each is the
other's derivative (and so differentiable twice).
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, broadcast_shapes2, needs_grad, record, shape_str
from .._tensor import Tensor, make_tensor
from ..autograd.graph import OpNode


def _node(name, backward, label=None):
    # a class of its own shown under PyTorch's name
    attrs = {"__module__": "builtins", "backward_fn": staticmethod(backward),
             "saves_inputs": False}
    if label:
        attrs["_name"] = label
    return type(name, (OpNode,), attrs)


def _row_index(batch_sizes, B):
    """Flat row indices, into a (T * B) padded layout, of the packed rows."""
    if not len(batch_sizes):
        return np.zeros(0, np.int64)
    T = len(batch_sizes)
    grid = np.arange(T, dtype=np.int64)[:, None] * B + np.arange(B, dtype=np.int64)
    alive = np.arange(B)[None, :] < np.asarray(batch_sizes)[:, None]
    return grid[alive]


def _sizes_of(batch_sizes):
    return [int(v) for v in np.asarray(batch_sizes._array).reshape(-1)]


def _gather_rows(padded, sizes):
    """Packed rows of a (T, B, *) array."""
    T, B = padded.shape[:2]
    flat = padded.reshape((T * B,) + padded.shape[2:])
    return flat[_row_index(sizes, B)]


def _scatter_rows(data, sizes, T, B, fill):
    """The (T, B, *) array holding packed ``data`` rows, ``fill`` elsewhere."""
    out = np.full((T * B,) + data.shape[1:], fill, data.dtype)
    out[_row_index(sizes, B)] = data
    return out.reshape((T, B) + data.shape[1:])


# ---------------------------------------------------------------------------- packing
def _pack_backward(ctx, grad):
    sv = ctx.saved
    T, B = sv["T"], sv["B"]
    padded = _pad_rows(grad, sv["sizes"], T, B, 0.0)
    return padded.transpose(0, 1) if sv["batch_first"] else padded


_PACK = _node("PackPaddedSequenceBackward0", _pack_backward)


def _pack_rows(input, sizes):
    """Differentiable packing of a (T, B, *) tensor (the derivative of unpacking)."""
    T, B = input.shape[:2]
    data = make_tensor(_gather_rows(input._array, sizes), input._dtype)
    if needs_grad(input):
        record(_PACK, (input,), data, {"sizes": sizes, "T": T, "B": B, "batch_first": False})
    return data


def _pack_padded_sequence(input, lengths, batch_first):
    """Pack a padded batch whose ``lengths`` (a 1-D int64 tensor) are sorted decreasingly;
    returns ``(data, batch_sizes)``.

    >>> data, sizes = ember._pack_padded_sequence(ember.ones(3, 2, 1), ember.tensor([3, 1]),
    ...                                           False)
    >>> sizes
    tensor([2, 1, 1])
    """
    if not isinstance(lengths, Tensor) or lengths.dim() != 1 or lengths._dtype is not D.int64:
        nd = lengths.dim() if isinstance(lengths, Tensor) else 0
        tn = lengths._dtype.scalar_name if isinstance(lengths, Tensor) else "?"
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {nd}D "
                           f"cpu {tn} tensor")
    source = input
    if batch_first:
        input = input.transpose(0, 1)
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    T, B = input.size(0), input.size(1)
    lens = [int(v) for v in lengths._array]
    if len(lens) != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lens)} (batch_size={B})")
    if lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    for a, b in zip(lens, lens[1:]):
        if b > a:
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
    if lens[0] > T:
        raise RuntimeError(f"Length {lens[0]} of a sequence is larger than the padded length "
                           f"{T}")
    ls = np.asarray(lens)
    sizes = [int(v) for v in (ls[None, :] > np.arange(lens[0])[:, None]).sum(1)]
    data = make_tensor(_gather_rows(input._array, sizes), input._dtype)
    if needs_grad(source):
        record(_PACK, (source,), data, {"sizes": sizes, "T": T, "B": B,
                                        "batch_first": batch_first})
    return data, make_tensor(np.asarray(sizes, np.int64), D.int64)


# ---------------------------------------------------------------------------- unpacking
def _unpack_backward(ctx, grad):
    return _pack_rows(grad, ctx.saved["sizes"])


# (PyTorch fills its padded result by copying each step into a slice of it)
_UNPACK = _node("CopySlices", _unpack_backward, "torch::autograd::CopySlices")


def _pad_rows(data, sizes, T, B, fill):
    """Differentiable unpacking into a (T, B, *) tensor (the derivative of packing)."""
    out = make_tensor(_scatter_rows(data._array, sizes, T, B, fill), data._dtype)
    if needs_grad(data):
        record(_UNPACK, (data,), out, {"sizes": sizes})
    return out


def _pad_packed_sequence(data, batch_sizes, batch_first, padding_value, total_length):
    """Unpack ``data`` into a padded ``(total_length, B, *)`` tensor (batch first when asked);
    returns ``(padded, lengths)``.

    >>> data, sizes = ember._pack_padded_sequence(ember.ones(3, 2), ember.tensor([3, 1]), False)
    >>> ember._pad_packed_sequence(data, sizes, False, 0.0, 3)[1]
    tensor([3, 1])
    """
    sizes = _sizes_of(batch_sizes)
    T = len(sizes)
    if total_length < T:
        raise RuntimeError(f"Expected total_length to be at least the length of the longest "
                           f"sequence in input, but got total_length={total_length} and max "
                           f"sequence length being {T}")
    B = sizes[0] if sizes else 0
    out = _pad_rows(data, sizes, int(total_length), B, padding_value)
    bs = np.asarray(sizes)
    lengths = (bs[None, :] > np.arange(B)[:, None]).sum(1).astype(np.int64)
    if batch_first:
        out = out.transpose(0, 1)
    return out, make_tensor(lengths, D.int64)


# ---------------------------------------------------------------------------- padding a list
def _pad_sequence_backward(ctx, grad):
    sv = ctx.saved
    grads = []
    L = sv["L"]
    for n, dt, i in zip(sv["lengths"], sv["dtypes"], range(len(sv["lengths"]))):
        lo = L - n if sv["left"] else 0
        g = grad[i, lo:lo + n] if sv["batch_first"] else grad[lo:lo + n, i]
        grads.append(g if dt is grad._dtype else g.to(dt))
    return tuple(grads)


_PAD_SEQUENCE = _node("CopySlices", _pad_sequence_backward, "torch::autograd::CopySlices")


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of different lengths (dimension 0) into one padded tensor.

    >>> ember.nn.utils.rnn.pad_sequence([ember.ones(2), ember.ones(1)])
    tensor([[1., 1.],
            [1., 0.]])
    """
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    first = seqs[0]
    dt = first._dtype
    trailing = tuple(first.shape[1:])
    L = max(s.shape[0] for s in seqs)
    B = len(seqs)
    shape = (B, L) + trailing if batch_first else (L, B) + trailing
    out = np.empty(shape, dt.np)
    out[...] = padding_value
    left = padding_side == "left"
    for i, s in enumerate(seqs):
        n = s.shape[0]
        dst = (n,) + trailing
        src = tuple(s.shape)
        got = broadcast_shapes2(dst, src)
        if got != dst:
            raise RuntimeError(f"output with shape {shape_str(dst)} doesn't match the broadcast "
                               f"shape {shape_str(got)}")
        lo = L - n if left else 0
        region = out[i, lo:lo + n] if batch_first else out[lo:lo + n, i]
        region[...] = s._array.astype(dt.np, copy=False)
    res = make_tensor(out, dt)
    if needs_grad(*seqs) and dt.category >= 2:
        record(_PAD_SEQUENCE, tuple(seqs), res,
               {"lengths": [s.shape[0] for s in seqs], "dtypes": [s._dtype for s in seqs],
                "L": L, "left": left, "batch_first": batch_first})
    return res


FUNCTIONS.update(_pack_padded_sequence=_pack_padded_sequence,
                 _pad_packed_sequence=_pad_packed_sequence)
