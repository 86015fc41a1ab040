"""Named result tuples such as ``ember.return_types.sort`` (values, indices).

They behave like PyTorch's structseqs: a ``tuple`` subclass indexed and unpacked like a tuple,
with read-only named fields, constructed from one sequence, and printed one field per line:

>>> r = ember.sort(ember.tensor([2, 1]))
>>> r.values, r[1]
(tensor([1, 2]), tensor([1, 0]))
>>> r
ember.return_types.sort(
values=tensor([1, 2]),
indices=tensor([1, 0]))

Other op families make their own with ``return_type("max", ("values", "indices"))``.
"""
import operator

_TYPES = {}


def _field_repr(v):
    return repr(v)


class _ReturnType(tuple):
    """Base of every return type: a fixed-length tuple with named fields."""

    __slots__ = ()
    _fields = ()
    n_fields = 0
    n_sequence_fields = 0
    n_unnamed_fields = 0

    def __new__(cls, sequence=None):
        if sequence is None or isinstance(sequence, (str, bytes)) or not hasattr(sequence, "__iter__"):
            raise TypeError("constructor requires a sequence")
        items = tuple(sequence)
        if len(items) != len(cls._fields):
            raise TypeError(f"{cls.__module__}.{cls.__name__}() takes a {len(cls._fields)}-sequence "
                            f"({len(items)}-sequence given)")
        return tuple.__new__(cls, items)

    def __repr__(self):
        body = ",\n".join(f"{f}={_field_repr(v)}" for f, v in zip(self._fields, self))
        return f"{type(self).__module__}.{type(self).__name__}(\n{body})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self),))

    def __getnewargs__(self):
        return (tuple(self),)

    def __setattr__(self, name, value):
        if name in self._fields:
            raise AttributeError("readonly attribute")
        raise AttributeError(f"'{type(self).__module__}.{type(self).__name__}' object has no "
                             f"attribute '{name}'")


def return_type(name, fields):
    """The return-type class ``ember.return_types.<name>`` with the given field names (made once,
    then shared)."""
    cls = _TYPES.get(name)
    if cls is not None:
        if cls._fields != tuple(fields):
            raise ValueError(f"return type {name} already exists with fields {cls._fields}")
        return cls
    ns = {"__slots__": (), "_fields": tuple(fields), "n_fields": len(fields),
          "n_sequence_fields": len(fields), "__match_args__": tuple(fields),
          "__module__": __name__, "__qualname__": name}
    for i, f in enumerate(fields):
        ns[f] = property(operator.itemgetter(i), doc=f"Alias for field number {i}")
    cls = type(name, (_ReturnType,), ns)
    _TYPES[name] = cls
    globals()[name] = cls
    return cls


# The types of the families that exist now; other families add theirs through return_type().
for _name, _fields in {
    "sort": ("values", "indices"), "sort_out": ("values", "indices"),
    "topk": ("values", "indices"), "topk_out": ("values", "indices"),
    "kthvalue": ("values", "indices"), "kthvalue_out": ("values", "indices"),
    "histogram": ("hist", "bin_edges"), "histogram_out": ("hist", "bin_edges"),
    "max": ("values", "indices"), "max_out": ("values", "indices"),
    "min": ("values", "indices"), "min_out": ("values", "indices"),
    "median": ("values", "indices"), "median_out": ("values", "indices"),
    "nanmedian": ("values", "indices"), "nanmedian_out": ("values", "indices"),
    "mode": ("values", "indices"), "mode_out": ("values", "indices"),
    "cummax": ("values", "indices"), "cummax_out": ("values", "indices"),
    "cummin": ("values", "indices"), "cummin_out": ("values", "indices"),
    "aminmax": ("min", "max"), "aminmax_out": ("min", "max"),
    "frexp": ("mantissa", "exponent"), "frexp_out": ("mantissa", "exponent"),
}.items():
    return_type(_name, _fields)
del _name, _fields
