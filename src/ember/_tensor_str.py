"""ember's tensor printer: the text of ``repr(t)`` / ``str(t)``, print options, ``format``.

The rules restate how PyTorch prints tensors (see the project note
``torch-tensor-printing.md``): one formatter (style + width) is chosen from the
elements that will actually be shown, the elements are laid out recursively with
line breaks driven by ``linewidth``, and ``, name=value`` suffixes are appended
with their own wrapping rule.

>>> import ember
>>> ember.tensor([1.0, 2.5])
tensor([1.0000, 2.5000])

All element text comes from Python's own float/int formatting (never NumPy's
float-to-text), so rounding is the correctly rounded decimal of the stored value.
"""
import contextlib
import math

import numpy as np

from . import _dtype as _dt

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr",
           "parameter_repr", "tensor_format"]


# ---------------------------------------------------------------------------
# Print options
# ---------------------------------------------------------------------------
class _PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    # name: (precision, threshold, edgeitems, linewidth)
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set the options used to print tensors (like ``torch.set_printoptions``).

    Args:
        precision: digits after the decimal point for floating values (default 4).
        threshold: element count above which the text is summarised (default 1000).
        edgeitems: items kept at each end of a summarised dimension (default 3).
        linewidth: characters per line used to break rows (default 80).
        profile: ``'default'``, ``'short'`` or ``'full'``; sets the four numeric
            options first, then any explicitly given option overrides.
        sci_mode: True/False forces scientific notation on/off; None is automatic.

    NOTE: sci_mode is always assigned, so any call without it resets it to None.
    """
    if profile is not None:
        # Unknown profile names are silently ignored, as in PyTorch.
        values = _PROFILES.get(profile)
        if values is not None:
            (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
             PRINT_OPTS.linewidth) = values
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options as a dict (precision, threshold, edgeitems, linewidth, sci_mode)."""
    return {
        "precision": PRINT_OPTS.precision,
        "threshold": PRINT_OPTS.threshold,
        "edgeitems": PRINT_OPTS.edgeitems,
        "linewidth": PRINT_OPTS.linewidth,
        "sci_mode": PRINT_OPTS.sci_mode,
    }


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager: apply ``set_printoptions(**kwargs)`` and restore the old options on exit."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---------------------------------------------------------------------------
# Element formatters
# ---------------------------------------------------------------------------
def _real_texts(vals, precision, sci_mode):
    """Unpadded texts of float64 values ``vals`` (1-d) and the column width.

    Style and width are decided from the finite non-zero values only.
    """
    finite = np.isfinite(vals)
    nz = finite & (vals != 0)
    F = vals[nz]
    pylist = vals.tolist()
    if F.size == 0:
        # All zero and/or non-finite: "1." style, never scientific (even if forced).
        texts = [_int_style(x) for x in pylist]
        return texts, 1
    absF = np.abs(F)
    amax = float(absF.max())
    amin = float(absF.min())
    if sci_mode is None:
        # NOTE: float64 division on the exact values; float32 [0.01, 10.] gives
        # 1000.00002 > 1000 and so goes scientific.
        sci = (amax / amin > 1000.0) or amax > 1.0e8 or amin < 1.0e-4
    else:
        sci = bool(sci_mode)
    if sci:
        fmt = f".{precision}e"
        texts = [format(x, fmt) for x in pylist]
    elif bool(np.all(F == np.ceil(F))):
        texts = [_int_style(x) for x in pylist]
    else:
        fmt = f".{precision}f"
        texts = [format(x, fmt) for x in pylist]
    # Width counts only finite non-zero values: nan/inf/±0 may stick out or get padded.
    w = 1
    for t, keep in zip(texts, nz.tolist()):
        if keep and len(t) > w:
            w = len(t)
    return texts, w


def _int_style(x):
    s = format(x, ".0f")
    # nan/inf never get the trailing dot.
    if x != x or x in (math.inf, -math.inf):
        return s
    return s + "."


class _Formatted:
    """Texts of the sample (flat, C order) plus the layout cell width."""

    __slots__ = ("texts", "cell")

    def __init__(self, texts, cell):
        self.texts = texts
        self.cell = cell


def _format_sample(sample, category):
    """Format every element of the sample array; returns a _Formatted."""
    p = PRINT_OPTS.precision
    sci_mode = PRINT_OPTS.sci_mode
    flat = sample.reshape(-1)
    if category in (0, 1):
        texts = [str(v) for v in flat.tolist()]
        w = max([1] + [len(t) for t in texts])
        return _Formatted([t.rjust(w) for t in texts], w + 2)
    if category == 2:
        texts, w = _real_texts(flat.astype(np.float64), p, sci_mode)
        return _Formatted([t.rjust(w) for t in texts], w + 2)
    # Complex: independent formatters for real and imaginary parts.
    c = flat.astype(np.complex128)
    rt, wr = _real_texts(np.ascontiguousarray(c.real), p, sci_mode)
    it, wi = _real_texts(np.ascontiguousarray(c.imag), p, sci_mode)
    out = []
    for r, i in zip(rt, it):
        # NOTE: the imaginary part is padded then left-stripped, i.e. never padded.
        i = i + "j"
        if i[0] in "+-":
            out.append(r.rjust(wr) + i)
        else:
            out.append(r.rjust(wr) + "+" + i)
    return _Formatted(out, wr + 2 + wi + 1)


# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------
def _sample(arr, summarise, edgeitems):
    """The elements shown, and per dim whether it was cut (first/last edgeitems kept)."""
    if not summarise or arr.ndim == 0:
        return arr, [False] * arr.ndim
    idx = []
    cut = []
    for n in arr.shape:
        if n > 2 * edgeitems:
            idx.append(np.concatenate([np.arange(edgeitems), np.arange(n - edgeitems, n)]))
            cut.append(True)
        else:
            idx.append(np.arange(n))
            cut.append(False)
    return arr[np.ix_(*idx)], cut


def _layout(fm, shape, cut, indent, edgeitems, linewidth):
    """Bracketed body text of a >=1-d sample laid out from indent ``indent``."""
    texts = fm.texts
    cell = fm.cell
    ndim = len(shape)
    # Flat C-order strides of the sample, in elements.
    strides = [1] * ndim
    for d in range(ndim - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]

    def block(d, offset, k):
        n = shape[d]
        if d == ndim - 1:
            items = texts[offset:offset + n]
            if cut[d]:
                items = items[:edgeitems] + [" ..."] + items[edgeitems:]
            per_line = max(1, math.floor((linewidth - k) / cell))
            if len(items) <= per_line:
                return "[" + ", ".join(items) + "]"
            lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
            return "[" + (",\n" + " " * (k + 1)).join(lines) + "]"
        st = strides[d]
        children = [block(d + 1, offset + j * st, k + 1) for j in range(n)]
        if cut[d]:
            children = children[:edgeitems] + ["..."] + children[edgeitems:]
        sep = "," + "\n" * (ndim - d - 1) + " " * (k + 1)
        return "[" + sep.join(children) + "]"

    return block(0, 0, indent)


# ---------------------------------------------------------------------------
# Whole text
# ---------------------------------------------------------------------------
def _shape_of(t):
    arr = getattr(t, "_array", None)
    if arr is not None:
        return tuple(int(s) for s in arr.shape)
    return tuple(int(s) for s in t.shape)


def _grad_fn_name(node):
    name = getattr(node, "_name_override", None)
    if isinstance(name, str):
        return name
    return type(node).__name__


def _hidden_dtypes():
    """dtypes whose ``dtype=`` suffix is hidden on a non-empty tensor."""
    default = _dt.get_default_dtype()
    # NOTE: not get_default_complex_dtype(): with default float16 complex64 is the
    # hidden one (complex32 is shown).
    cdefault = _dt.complex128 if default is _dt.float64 else _dt.complex64
    return (default, cdefault, _dt.int64, _dt.bool_)


def _str_intern(t, prefix):
    indent = len(prefix)
    opts = PRINT_OPTS
    suffixes = []
    device = t.device
    if device.type != "cpu":
        suffixes.append(f"device='{device}'")
    shape = _shape_of(t)
    dtype = t.dtype
    default = _dt.get_default_dtype()
    if device.type == "meta":
        body = "..."
        suffixes.append(f"size={shape}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype!r}")
    else:
        arr = t._array
        numel = arr.size
        if numel == 0:
            body = "[]"
            if len(shape) != 1:
                suffixes.append(f"size={shape}")
            if dtype is not default:
                suffixes.append(f"dtype={dtype!r}")
        else:
            body = _body(arr, dtype, indent, opts)
            if opts.edgeitems == 0:
                suffixes.append(f"size={shape}")
            if dtype not in _hidden_dtypes():
                suffixes.append(f"dtype={dtype!r}")
    grad_fn = getattr(t, "grad_fn", None)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{_grad_fn_name(grad_fn)}>")
    elif getattr(t, "requires_grad", False):
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent, opts.linewidth)


def _body(arr, dtype, indent, opts):
    summarise = arr.size > opts.threshold
    edgeitems = opts.edgeitems
    if arr.ndim == 0:
        return _format_sample(arr, dtype.category).texts[0]
    if summarise and edgeitems == 0:
        return "[...]"
    sample, cut = _sample(arr, summarise, edgeitems)
    fm = _format_sample(sample, dtype.category)
    return _layout(fm, sample.shape, cut, indent, edgeitems, opts.linewidth)


def _add_suffixes(text, suffixes, indent, linewidth):
    # NOTE: PyTorch overcounts the last line by 2 until the first wrap.
    run = len(text) - (text.rfind("\n") + 1) + 2
    parts = [text]
    for s in suffixes:
        if run + len(s) + 2 > linewidth:
            parts.append(",\n" + " " * indent + s)
            run = indent + len(s)
        else:
            parts.append(", " + s)
            run += len(s) + 2
    parts.append(")")
    return "".join(parts)


def _prefix_of(t):
    name = type(t).__name__
    if name in ("Tensor", "Parameter"):
        return "tensor("
    return name + "("


def tensor_repr(t):
    """The full ``tensor(...)`` text of ``t`` (used for both repr and str)."""
    return _str_intern(t, _prefix_of(t))


def parameter_repr(t):
    """Text of a Parameter: ``'Parameter containing:\\n'`` + the tensor text.

    A subclass ``P2`` of Parameter prints ``Parameter containing:\\nParameter(P2(...))``,
    its inner text laid out with the ``P2(`` prefix.
    """
    name = type(t).__name__
    if name in ("Tensor", "Parameter"):
        return "Parameter containing:\n" + _str_intern(t, "tensor(")
    return "Parameter containing:\nParameter(" + _str_intern(t, name + "(") + ")"


def _item(t):
    arr = np.asarray(t._array).reshape(())
    cat = t.dtype.category
    if cat == 0:
        return bool(arr)
    if cat == 1:
        return int(arr)
    if cat == 2:
        return float(arr.astype(np.float64))
    return complex(arr.astype(np.complex128))


def tensor_format(t, spec):
    """``Tensor.__format__``: a 0-d plain tensor formats its Python number with ``spec``.

    Anything else (dims, meta, subclasses such as Parameter) behaves like
    ``object.__format__``: ``str(t)`` for an empty spec, else TypeError.
    """
    if (type(t).__name__ == "Tensor" and t.device.type != "meta"
            and len(_shape_of(t)) == 0):
        # NOTE: even the empty spec gives the number: f"{tensor(1.5)}" == '1.5'.
        return format(_item(t), spec)
    if spec:
        raise TypeError(f"unsupported format string passed to {type(t).__name__}.__format__")
    return str(t)
