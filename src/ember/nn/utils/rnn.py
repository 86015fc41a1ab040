"""Variable-length sequences for the recurrent modules: ``PackedSequence`` and the functions
that pack, unpack and pad batches of sequences.

>>> seqs = [ember.ones(3, 2), ember.ones(1, 2)]
>>> packed = ember.nn.utils.rnn.pack_sequence(seqs)
>>> packed.batch_sizes
tensor([2, 1, 1])
"""
from collections import namedtuple

import numpy as np

from ... import _dtype as D
from ..._tensor import Tensor, make_tensor
from ..._ops.rnn_packing import (_pack_padded_sequence, _pad_packed_sequence,
                                 pad_sequence as _pad_sequence)

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _maybe(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(namedtuple("PackedSequence_",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A packed batch of sequences: ``data`` holds the timesteps one after another, each with
    the ``batch_sizes[t]`` sequences still running; ``sorted_indices`` maps it back to the
    caller's batch order. Make it with ``pack_padded_sequence`` or ``pack_sequence``.

    >>> ember.nn.utils.rnn.pack_sequence([ember.ones(2), ember.ones(1)]).data
    tensor([1., 1., 1.])
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                "be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def __repr__(self):
        return (f"PackedSequence(data={self.data!r}, batch_sizes={self.batch_sizes!r}, "
                f"sorted_indices={self.sorted_indices!r}, "
                f"unsorted_indices={self.unsorted_indices!r})")

    def to(self, *args, **kwargs):
        """The sequence with ``data`` converted as ``Tensor.to`` converts (indices follow its
        device); ``self`` when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        non_blocking = kwargs.get("non_blocking", False)

        def move(t):
            return t.to(data.device, non_blocking=non_blocking)
        return type(self)(data, self.batch_sizes, _maybe(self.sorted_indices, move),
                          _maybe(self.unsorted_indices, move))

    def pin_memory(self):
        return type(self)(self.data.pin_memory(), self.batch_sizes,
                          _maybe(self.sorted_indices, lambda t: t.pin_memory()),
                          _maybe(self.unsorted_indices, lambda t: t.pin_memory()))

    def cuda(self, *args, **kwargs):
        kwargs.setdefault("device", "cuda")
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        kwargs.setdefault("device", "cpu")
        return self.to(*args, **kwargs)

    def double(self):
        return self.to(dtype=D.float64)

    def float(self):
        return self.to(dtype=D.float32)

    def half(self):
        return self.to(dtype=D.float16)

    def long(self):
        return self.to(dtype=D.int64)

    def int(self):
        return self.to(dtype=D.int32)

    def short(self):
        return self.to(dtype=D.int16)

    def char(self):
        return self.to(dtype=D.int8)

    def byte(self):
        return self.to(dtype=D.uint8)

    @property
    def is_cuda(self):
        """Whether the data lives on a GPU."""
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def invert_permutation(permutation):
    """The permutation that undoes ``permutation`` (None stays None).

    >>> ember.nn.utils.rnn.invert_permutation(ember.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    p = np.asarray(permutation._array)
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    return make_tensor(out, permutation._dtype)


def _as_lengths(lengths):
    from ..._ops.creation import as_tensor
    if isinstance(lengths, Tensor):
        return lengths.to(dtype=D.int64)
    return as_tensor(lengths, dtype=D.int64, device="cpu")


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences of the
    given ``lengths``; unless ``enforce_sorted`` the batch need not be sorted by length.

    >>> x = ember.zeros(3, 2, 1)
    >>> ember.nn.utils.rnn.pack_padded_sequence(x, [1, 3], enforce_sorted=False).batch_sizes
    tensor([2, 1, 1])
    """
    lengths = _as_lengths(lengths)
    if enforce_sorted:
        sorted_indices = None
    else:
        from ..._ops.sorting import sort
        lengths, sorted_indices = sort(lengths, descending=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = _pack_padded_sequence(input, lengths, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: the padded batch and the lengths (in the caller's batch
    order).

    >>> packed = ember.nn.utils.rnn.pack_sequence([ember.ones(2), ember.ones(1)])
    >>> ember.nn.utils.rnn.pad_packed_sequence(packed, batch_first=True)
    (tensor([[1., 1.],
            [1., 0.]]), tensor([2, 1]))
    """
    max_len = sequence.batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
        max_len = total_length
    padded, lengths = _pad_packed_sequence(sequence.data, sequence.batch_sizes, batch_first,
                                           padding_value, max_len)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        return padded.index_select(0 if batch_first else 1, unsorted), lengths[unsorted]
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Pad a list of (L_i, *) tensors to one (L_max, B, *) tensor (or (B, L_max, *)), padding
    on the right or the left.

    >>> ember.nn.utils.rnn.pad_sequence([ember.ones(2), ember.ones(1)], batch_first=True,
    ...                                 padding_side="left")
    tensor([[1., 1.],
            [0., 1.]])
    """
    try:
        seqs = tuple(sequences)
    except TypeError:
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg of "
                           f"type: {type(sequences)}") from None
    return _pad_sequence(seqs, batch_first, padding_value, padding_side)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of tensors of the given lengths.

    NOTE: PyTorch transposes a time-first ``padded_sequences`` in place (the caller sees it
    batch first afterwards); ember leaves the caller's tensor alone.

    >>> padded = ember.nn.utils.rnn.pad_sequence([ember.ones(2), ember.ones(1)])
    >>> [t.shape for t in ember.nn.utils.rnn.unpad_sequence(padded, ember.tensor([2, 1]))]
    [ember.Size([2]), ember.Size([1])]
    """
    from ..._ops.creation import arange
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    idx = arange(padded_sequences.shape[1])
    out = []
    if len(padded_sequences) != len(lengths):
        raise ValueError(f"zip() argument 2 is shorter than argument 1"
                         if len(lengths) < len(padded_sequences) else
                         "zip() argument 2 is longer than argument 1")
    for seq, length in zip(padded_sequences, lengths):
        out.append(seq[idx < length])
    return out


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of (L_i, *) tensors (longest first unless ``enforce_sorted=False``).

    >>> ember.nn.utils.rnn.pack_sequence([ember.ones(1), ember.ones(2)],
    ...                                  enforce_sorted=False).sorted_indices
    tensor([1, 0])
    """
    from ..._ops.creation import as_tensor
    lengths = as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Undo ``pack_sequence``: the list of tensors, in the original order.

    >>> packed = ember.nn.utils.rnn.pack_sequence([ember.ones(2), ember.ones(1)])
    >>> [t.shape for t in ember.nn.utils.rnn.unpack_sequence(packed)]
    [ember.Size([2]), ember.Size([1])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
