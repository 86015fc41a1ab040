"""Differential-testing helpers: run the same NumPy-made inputs through ember and real PyTorch
and compare values, dtype, shape, strides, device, gradients and raised exceptions.

Typical use::

    from oracle import both, check_same

    def test_add_promotion():
        check_same(lambda m, a, b: m.add(a, b),
                   np.arange(3, dtype=np.int32), np.float64(2.5))

``check_same(fn, *inputs)`` calls ``fn(module, *converted_inputs)`` once with ``ember`` and
once with ``torch``: NumPy arrays become tensors of each library (``ember.from_numpy`` /
``torch.from_numpy`` on copies), everything else is passed as is. Results (tensors, tuples,
scalars) or the exceptions raised must match.
"""
import math
import re

import numpy as np
import pytest

import ember
import torch

import ml_dtypes

# dtype names shared by both libraries
DTYPE_NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
               "float32", "float64", "complex64", "complex128"]
ALL_DTYPE_NAMES = DTYPE_NAMES + ["uint16", "uint32", "uint64"]
FLOAT_NAMES = ["float16", "bfloat16", "float32", "float64"]


def edt(name):
    """The ember dtype called ``name``."""
    return getattr(ember, name)


def tdt(name):
    """The torch dtype called ``name``."""
    return getattr(torch, name)


def np_dtype(name):
    return ml_dtypes.bfloat16 if name == "bfloat16" else np.dtype(name)


class Arr:
    """An input spec: a NumPy array plus how to present it (dtype name, requires_grad,
    non-contiguous layout)."""

    def __init__(self, array, dtype=None, requires_grad=False, layout=None):
        self.array = np.asarray(array)
        self.dtype = dtype or str(self.array.dtype)
        self.requires_grad = requires_grad
        self.layout = layout  # None, 'transposed', 'strided', 'expanded'

    def make(self, lib):
        a = self.array
        if self.dtype == "bfloat16":
            base = a.astype(np.float32)
        else:
            # NOTE: np.ascontiguousarray would turn a 0-d array into shape (1,)
            base = np.array(a.astype(np_dtype(self.dtype)), order="C")
        if lib is ember:
            t = ember.from_numpy(base.copy())
            if self.dtype == "bfloat16":
                t = t.to(ember.bfloat16)
        else:
            t = torch.from_numpy(base.copy())
            if self.dtype == "bfloat16":
                t = t.to(torch.bfloat16)
        if self.layout == "transposed":
            t = t.t()
        elif self.layout == "strided":
            t = t[..., ::2]
        if self.requires_grad:
            t.requires_grad_(True)
        return t


def convert(x, lib):
    """Turn an input spec into the library's object (tensors, dtypes, nested containers)."""
    if isinstance(x, Arr):
        return x.make(lib)
    if isinstance(x, np.ndarray):
        return Arr(x).make(lib)
    if isinstance(x, DType):
        return getattr(lib, x.name)
    if isinstance(x, tuple):
        return tuple(convert(v, lib) for v in x)
    if isinstance(x, list):
        return [convert(v, lib) for v in x]
    if isinstance(x, dict):
        return {k: convert(v, lib) for k, v in x.items()}
    return x


class DType:
    """A dtype placeholder converted to ember.X / torch.X."""

    def __init__(self, name):
        self.name = name


def run(fn, lib, inputs, kwargs=None):
    """Call ``fn(lib, *inputs)``; return ('ok', result) or ('err', exception)."""
    args = convert(inputs, lib)
    kw = convert(kwargs or {}, lib)
    try:
        return "ok", fn(lib, *args, **kw), args
    except Exception as e:  # noqa: BLE001 - we compare whatever was raised
        return "err", e, args


def normalize_message(msg):
    """PyTorch's wording with ember's names mapped back (ember.X -> torch.X)."""
    return msg.replace("ember.", "torch.").replace("ember", "torch")


def assert_same_exception(e_ember, e_torch, match_message=True):
    assert type(e_ember).__name__ == type(e_torch).__name__ or (
        isinstance(e_ember, type(e_torch))), \
        f"ember raised {type(e_ember).__name__}: {e_ember}\ntorch raised {type(e_torch).__name__}: {e_torch}"
    if match_message:
        em, tm = normalize_message(str(e_ember)), str(e_torch)
        assert em == tm or em.split("\n")[0] == tm.split("\n")[0], \
            f"messages differ:\n ember: {em}\n torch: {tm}"


def to_numpy_any(t):
    """Values of an ember or torch tensor as a NumPy array (float64/complex128/bool/int)."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16 or t.dtype == torch.float16:
            return t.to(torch.float64).numpy()
        # (a lazily conjugated result, such as ifft's of a real input, has its conj bit set)
        return t.resolve_conj().numpy().copy()
    t = t.detach()
    if t.dtype in (ember.bfloat16, ember.float16):
        return t.to(ember.float64).numpy()
    return t.numpy().copy()


def dtype_name(d):
    return str(d).split(".")[-1]


def assert_tensor_same(e, t, *, rtol=1e-5, atol=1e-6, check_strides=True, check_grad_fn=False,
                       where="result"):
    assert isinstance(e, ember.Tensor), f"{where}: ember gave {type(e).__name__}, torch a Tensor"
    assert dtype_name(e.dtype) == dtype_name(t.dtype), f"{where}: dtype {e.dtype} != {t.dtype}"
    assert tuple(e.shape) == tuple(t.shape), f"{where}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    if check_strides and t.numel() > 1:
        assert e.stride() == t.stride(), f"{where}: strides {e.stride()} != {t.stride()}"
    assert e.requires_grad == t.requires_grad, \
        f"{where}: requires_grad {e.requires_grad} != {t.requires_grad}"
    if check_grad_fn:
        en = type(e.grad_fn).__name__ if e.grad_fn is not None else None
        tn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
        assert en == tn, f"{where}: grad_fn {en} != {tn}"
    ea, ta = to_numpy_any(e), to_numpy_any(t)
    if ea.dtype.kind in "biu":
        np.testing.assert_array_equal(ea, ta, err_msg=where)
    else:
        tol = dict(rtol=rtol, atol=atol)
        if dtype_name(e.dtype) in ("float16", "bfloat16"):
            tol = dict(rtol=1e-2, atol=1e-2)
        np.testing.assert_allclose(ea, ta, equal_nan=True, err_msg=where, **tol)


def assert_same(e, t, where="result", **kw):
    """Compare two results of any kind (tensors, tuples, numbers, dtypes, sizes)."""
    if isinstance(t, torch.Tensor):
        assert_tensor_same(e, t, where=where, **kw)
    elif isinstance(t, (tuple, list)) and not isinstance(t, torch.Size):
        assert isinstance(e, (tuple, list)), f"{where}: ember gave {type(e).__name__}"
        assert len(e) == len(t), f"{where}: lengths {len(e)} != {len(t)}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_same(a, b, where=f"{where}[{i}]", **kw)
    elif isinstance(t, torch.Size):
        assert tuple(e) == tuple(t) and type(e).__name__ == "Size", f"{where}: {e!r} != {t!r}"
    elif isinstance(t, torch.dtype):
        assert dtype_name(e) == dtype_name(t), f"{where}: {e} != {t}"
    elif isinstance(t, float) and math.isnan(t):
        assert isinstance(e, float) and math.isnan(e), f"{where}: {e!r} != nan"
    elif isinstance(t, float):
        assert type(e) is float and (e == t or abs(e - t) <= 1e-6 * max(1, abs(t))), \
            f"{where}: {e!r} != {t!r}"
    else:
        assert type(e) is type(t), f"{where}: type {type(e).__name__} != {type(t).__name__}"
        assert e == t, f"{where}: {e!r} != {t!r}"


def check_same(fn, *inputs, kwargs=None, match_message=True, grad=False, **kw):
    """Run ``fn(lib, *inputs)`` on both libraries; results or exceptions must match.

    With ``grad=True`` the (sum of the) result is backpropagated and the ``.grad`` of every
    input tensor that requires grad is compared too.
    """
    se, re_, ea = run(fn, ember, inputs, kwargs)
    st, rt, ta = run(fn, torch, inputs, kwargs)
    if st == "err":
        assert se == "err", f"torch raised {type(rt).__name__}: {rt}; ember returned {re_!r}"
        assert_same_exception(re_, rt, match_message)
        return None
    if se == "err":
        raise AssertionError(f"ember raised {type(re_).__name__}: {re_}; torch returned {rt!r}") from re_
    assert_same(re_, rt, **kw)
    if grad:
        _check_grads(re_, rt, ea, ta)
    return re_, rt


def _check_grads(e_out, t_out, e_args, t_args):
    def flat(x):
        if isinstance(x, (tuple, list)):
            for v in x:
                yield from flat(v)
        else:
            yield x
    eo = [o for o in flat(e_out) if isinstance(o, ember.Tensor) and o.requires_grad]
    to = [o for o in flat(t_out) if isinstance(o, torch.Tensor) and o.requires_grad]
    if not to:
        return
    sum(o.abs().sum() if o.is_complex() else o.sum() for o in eo).backward()
    sum(o.abs().sum() if o.is_complex() else o.sum() for o in to).backward()
    for i, (a, b) in enumerate(zip(flat(e_args), flat(t_args))):
        if isinstance(b, torch.Tensor) and b.requires_grad and b.is_leaf:
            if b.grad is None:
                assert a.grad is None, f"grad of input {i}: torch None, ember {a.grad}"
            else:
                assert_tensor_same(a.grad, b.grad, where=f"grad of input {i}", check_strides=False)


def repr_same(e, t):
    """ember's repr equals torch's with 'torch.' read as 'ember.'."""
    assert repr(e) == repr(t).replace("torch.", "ember."), f"\nember: {e!r}\ntorch: {t!r}"
