"""Collation: turning a list of samples into one batch (``default_collate``) and turning one
sample's NumPy parts into tensors (``default_convert``, used when batching is off).

The rules follow the sample's structure: tensors are stacked, NumPy arrays and numbers
become tensors, strings stay lists, and mappings, namedtuples and sequences are collated
field by field. ``collate(batch, collate_fn_map=...)`` lets a custom map extend the rules.

>>> default_collate([(ember.tensor([1, 2]), 0.5), (ember.tensor([3, 4]), 1.5)])
[tensor([[1, 2],
        [3, 4]]), tensor([0.5000, 1.5000], dtype=ember.float64)]
"""
import collections.abc
import copy
import re

import numpy as np

from ._worker import get_worker_info

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map",
           "collate_tensor_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn",
           "collate_float_fn", "collate_int_fn", "collate_str_fn"]

# NumPy dtype codes (bytes, str, unicode, object) that cannot become tensors
np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, "
                                  "numbers, dicts or lists; found {}")


def _ember():
    import ember
    return ember


def _rebuild_like(container, values_by_key):
    """A mapping of ``container``'s kind holding ``values_by_key`` (a plain dict when the
    kind cannot be rebuilt that way)."""
    try:
        if isinstance(container, collections.abc.MutableMapping):
            # copy first so extra attributes of dict subclasses survive
            clone = copy.copy(container)
            clone.update(values_by_key)
            return clone
        return type(container)(values_by_key)
    except TypeError:
        return dict(values_by_key)


def _rebuild_sequence(container, values):
    try:
        if isinstance(container, collections.abc.MutableSequence):
            clone = copy.copy(container)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(container)(values)
    except TypeError:
        return list(values)


def default_convert(data):
    """Turn NumPy arrays and scalars inside ``data`` into tensors, keeping the structure
    (tuples become lists, as in PyTorch).

    >>> default_convert({"x": np.array([1, 2])})
    {'x': tensor([1, 2])}
    """
    ember = _ember()
    kind = type(data)
    if isinstance(data, ember.Tensor):
        return data
    if kind.__module__ == "numpy" and kind.__name__ not in ("str_", "string_"):
        if kind.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return ember.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_like(data, {k: default_convert(data[k]) for k in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return kind(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def collate(batch, *, collate_fn_map=None):
    """Collate ``batch`` by the type of its first element: an exact or ``isinstance`` match
    in ``collate_fn_map`` decides first, then mappings, namedtuples and sequences recurse.

    >>> collate([{"a": 1}, {"a": 2}], collate_fn_map={int: lambda b, **kw: sum(b)})
    {'a': 3}
    """
    elem = batch[0]
    kind = type(elem)
    if collate_fn_map is not None:
        if kind in collate_fn_map:
            return collate_fn_map[kind](batch, collate_fn_map=collate_fn_map)
        for key in collate_fn_map:
            if isinstance(elem, key):
                return collate_fn_map[key](batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_like(elem, {k: collate([d[k] for d in batch],
                                               collate_fn_map=collate_fn_map) for k in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return kind(*(collate(field, collate_fn_map=collate_fn_map) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        # NOTE: each field is a tuple, and string fields come back as that tuple (PyTorch's)
        fields = [collate(f, collate_fn_map=collate_fn_map) for f in zip(*batch)]
        if isinstance(elem, tuple):
            return fields  # a list, as PyTorch has always returned
        return _rebuild_sequence(elem, fields)
    raise TypeError(default_collate_err_msg_format.format(kind))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    ember = _ember()
    elem = batch[0]
    if getattr(elem, "is_nested", False):
        raise RuntimeError("Batches of nested tensors are not currently supported by the "
                           "default collate_fn; please provide a custom collate_fn to handle "
                           "them appropriately.")
    if elem.layout is not ember.strided:
        raise RuntimeError("Batches of sparse tensors are not currently supported by the "
                           "default collate_fn; please provide a custom collate_fn to handle "
                           "them appropriately.")
    out = None
    if get_worker_info() is not None:
        # in a worker, stack straight into shared memory: the batch then reaches the main
        # process without another copy
        from ._shared_memory import shared_empty_for_stack
        out = shared_empty_for_stack(batch)
    return ember.stack(batch, 0, out=out)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    ember = _ember()
    return collate([ember.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return _ember().as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    ember = _ember()
    return ember.tensor(batch, dtype=ember.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return _ember().tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


def _default_map():
    from ... import _tensor
    return {
        _tensor.Tensor: collate_tensor_fn,
        np.ndarray: collate_numpy_array_fn,
        (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
        float: collate_float_fn,
        int: collate_int_fn,
        str: collate_str_fn,
        bytes: collate_str_fn,
    }


default_collate_fn_map = _default_map()


def default_collate(batch):
    """Stack a list of samples into a batch: tensors and NumPy arrays gain a leading batch
    dimension, Python floats become float64 and ints int64 tensors, strings stay a list,
    and containers are collated field by field.

    >>> default_collate([{"x": 1, "name": "a"}, {"x": 2, "name": "b"}])
    {'x': tensor([1, 2]), 'name': ['a', 'b']}
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
