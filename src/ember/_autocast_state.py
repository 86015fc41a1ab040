"""Autocast state and the casts autocast-aware ops apply (the policy half of ``ember.autocast``).

Ops check one flag, ``ACTIVE[0]`` (True only while some device's autocast is enabled), before
calling ``lower``/``fp32``/``promote``, so the normal path pays a single list lookup. Policies,
as PyTorch's CPU and CUDA autocast apply them:

- ``lower``: matrix products and convolutions run in the autocast dtype (bfloat16 by default on
  the CPU, float16 on CUDA); float16/bfloat16/float32 tensors are cast, float64 ones are not.
- ``fp32``: ops that need range or precision (losses, ``prod``, ...) run in float32.
- ``promote``: ops mixing dtypes (``cat``, ``stack``) run in the widest of their inputs'.

Casts of leaf tensors that require grad (weights) are cached until the outermost autocast
region exits (``cache_enabled``), as PyTorch does.
"""
from . import _dtype as D

ACTIVE = [False]

_ENABLED = {"cpu": False, "cuda": False, "ipu": False, "xla": False, "xpu": False,
            "hpu": False, "mps": False}
_DTYPE = {"cpu": D.bfloat16, "cuda": D.float16, "ipu": D.float16, "xla": D.bfloat16,
          "xpu": D.float16, "hpu": D.bfloat16, "mps": D.float16}
_CACHE = {"enabled": True, "casts": {}}
_NESTING = [0]
_ELIGIBLE = frozenset((D.float16, D.bfloat16, D.float32))


def _refresh():
    ACTIVE[0] = _ENABLED["cpu"] or _ENABLED["cuda"]


def check_device_type(device_type, fname):
    if not isinstance(device_type, str):
        raise TypeError(f"{fname}(): argument 'device_type' (position 1) must be str, not "
                        f"{type(device_type).__name__}")
    if device_type not in _ENABLED:
        raise RuntimeError(f"unsupported autocast device_type '{device_type}'")
    return device_type


def is_enabled(device_type):
    return _ENABLED[check_device_type(device_type, "is_autocast_enabled")]


def set_enabled(device_type, enabled):
    _ENABLED[check_device_type(device_type, "set_autocast_enabled")] = bool(enabled)
    _refresh()


def get_dtype(device_type):
    return _DTYPE[check_device_type(device_type, "get_autocast_dtype")]


def set_dtype(device_type, dtype):
    check_device_type(device_type, "set_autocast_dtype")
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"set_autocast_dtype(): argument 'dtype' (position 2) must be "
                        f"torch.dtype, not {type(dtype).__name__}")
    _DTYPE[device_type] = dtype


def is_cache_enabled():
    return _CACHE["enabled"]


def set_cache_enabled(enabled):
    _CACHE["enabled"] = bool(enabled)


def clear_cache():
    _CACHE["casts"].clear()


def increment_nesting():
    _NESTING[0] += 1
    return _NESTING[0]


def decrement_nesting():
    _NESTING[0] -= 1
    return _NESTING[0]


# ---------------------------------------------------------------------------- casts
def _device_type(t):
    return "cpu" if not t.is_cuda else "cuda"


def _cast(t, dt):
    """``t.to(dt)``; leaf weights' casts come from (and go to) the cache."""
    if t._dtype is dt:
        return t
    cacheable = _CACHE["enabled"] and t._requires_grad and t._grad_fn is None
    if cacheable:
        hit = _CACHE["casts"].get(id(t))
        if hit is not None and hit[0] is t and hit[1]._dtype is dt:
            return hit[1]
    r = t.to(dt)
    if cacheable:
        _CACHE["casts"][id(t)] = (t, r)
    return r


def _eligible(x):
    from ._tensor import Tensor
    return isinstance(x, Tensor) and x._dtype in _ELIGIBLE and _ENABLED[_device_type(x)]


def lower(*args):
    """The arguments with eligible tensors cast to their device's autocast dtype."""
    return tuple(_cast(x, _DTYPE[_device_type(x)]) if _eligible(x) else x for x in args)


def fp32(*args):
    """The arguments with eligible tensors cast to float32."""
    return tuple(_cast(x, D.float32) if _eligible(x) else x for x in args)


def promote(tensors):
    """A list of tensors cast to the widest autocast-eligible dtype among them (PyTorch's
    ``prioritize``: starting from the autocast dtype, float32 wins; float16 against bfloat16 is
    an error; float64 and non-float tensors are left to the op's own promotion)."""
    from ._tensor import Tensor
    ts = [t for t in tensors if isinstance(t, Tensor) and _eligible(t)]
    if not ts:
        return tensors
    current = _DTYPE[_device_type(ts[0])]
    for t in ts:
        nxt = t._dtype
        if current is D.float32 or nxt is D.float32:
            current = D.float32
        elif current is not nxt:
            raise RuntimeError("Unexpected floating ScalarType in at::autocast::prioritize")
    return type(tensors)(_cast(t, current) if _eligible(t) else t for t in tensors)
