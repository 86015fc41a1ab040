"""PyTorch's CPU random generator (Mersenne Twister) and every sampling function built on it,
bit for bit: values, the generator state after each call, and the 5056-byte state layout.

>>> ember.manual_seed(0); ember.rand(2)
tensor([0.4963, 0.7682])

Facts used here are in ``../shared/notes/torch-cpu-rng.md`` (section numbers in comments refer to
it). Raw 32-bit words come from NumPy's vectorised ``MT19937`` with PyTorch's seeding copied in;
the transforms are vectorised NumPy, except that double-precision transcendental functions go
through Python's ``math`` module, which calls the same libm as PyTorch (NumPy's SIMD ``log``,
``exp``, ... differ from it in the last bit).

NOTE: a ``fused multiply-add`` (one rounding) is emulated exactly: float32 via float64 with
round-to-odd, float64 via Dekker's product and Boldo-Melquiond's round-to-odd sum.

Limits: float32 ``randn``/``normal_`` on 16+ contiguous elements reproduces the AVX2 kernel x86
CPUs run (a CPU without AVX2 gives PyTorch other last bits); the double-precision samplers rely
on Python's ``math`` being the libm PyTorch links (true on Linux/glibc); CUDA tensors are filled
from this CPU stream (PyTorch's CUDA streams are not reproduced).
"""
import contextlib
import functools
import math
import os
import struct
import warnings
from array import array as _array

import numpy as np

from . import _dtype as D
from ._tensor import Tensor, make_tensor
from ._memory_format import is_contiguous as _is_contiguous, preserve_format as _PRESERVE, iteration_order
from ._backend import array_module as _array_module
from .autograd.grad_mode import STATE as _GRAD


class _Late:
    """Names from modules that import later than this one (no import cycles), bound on first use."""

    def __getattr__(self, name):
        from ._ops import creation
        from . import _dispatch
        for k in ("parse_size", "finish", "check_device", "empty_like", "_dtype_arg"):
            setattr(self, k, getattr(creation, k))
        for k in ("check_inplace", "broadcast_shapes2"):
            setattr(self, k, getattr(_dispatch, k))
        from .autograd import graph
        for k in ("rebase_inplace", "node_class", "record_node"):
            setattr(self, k, getattr(graph, k))
        self.zeros_like = creation.zeros_like
        return object.__getattribute__(self, name)


_late = _Late()

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "fork_rng"]

_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF
_DEFAULT_RNG_SEED = 67280421310721
_STATE_SIZE = 5056
_N = 624
_U64 = np.uint64
_MASK24 = _U64(0xFFFFFF)
_MASK53 = _U64((1 << 53) - 1)
_SH32 = _U64(32)
_RANDPERM_SMALL = 0xFFFFFFFF // 20      # below this n, randperm swaps with 32-bit draws (5.3)
_INT64_MIN = -(1 << 63)
_WORD_CHUNK = 1 << 22
_HIT_CHUNK = 1 << 16          # bernoulli draws per block: their words stay in cache
_TWO_PI_D = 6.283185307179586


# =============================================================================================
# The engine (section 1) and the Generator object (section 2)
# =============================================================================================
def _init_genrand(seed):
    """MT19937's ``init_genrand`` on the low 32 bits of ``seed``: the 624 state words."""
    key = [0] * _N
    s = seed & _M32
    key[0] = s
    for j in range(1, _N):
        s = (1812433253 * (s ^ (s >> 30)) + j) & _M32
        key[j] = s
    return np.array(key, dtype=np.uint32)


def _temper(y):
    y = y.astype(np.uint64)
    y ^= y >> _U64(11)
    y ^= (y << _U64(7)) & _U64(0x9D2C5680)
    y ^= (y << _U64(15)) & _U64(0xEFC60000)
    y ^= y >> _U64(18)
    return y & _U64(_M32)


def _gen_device(device):
    from ._device import as_device, CPU
    if device is None:
        return CPU
    if isinstance(device, int) and not isinstance(device, bool):
        raise RuntimeError("Cannot access accelerator device when none is available.")
    dev = as_device(device)
    if dev.type == "cpu":
        return dev
    if dev.type == "cuda":
        from . import cuda
        if cuda.is_available():
            return dev
        raise RuntimeError(
            "Cannot get CUDA generator without ATen_cuda library. PyTorch splits its backend into "
            "two shared libraries: a CPU library and a CUDA library; this error has occurred "
            "because you are trying to use some CUDA functionality, but the CUDA library has not "
            "been loaded by the dynamic linker for some reason.  The CUDA library MUST be loaded, "
            "EVEN IF you don't directly use any symbols from the CUDA library! One common culprit "
            "is a lack of -Wl,--no-as-needed in your link arguments; many dynamic linkers will "
            "delete dynamic library dependencies if you don't depend on any of their symbols.  "
            "You can check if this has occurred by using ldd on your binary to see if there is a "
            "dependency on *_cuda.so library.")
    raise RuntimeError(f"{dev.type.upper()} device type not an accelerator.")


class Generator:
    """A random number generator with PyTorch's CPU stream (``torch.Generator``).

    >>> g = ember.Generator().manual_seed(42)
    >>> ember.rand(2, generator=g)
    tensor([0.8823, 0.9150])
    """

    def __init__(self, device="cpu"):
        self._device = _gen_device(device)
        self._bg = np.random.MT19937(0)
        self._seed_engine(_DEFAULT_RNG_SEED)

    # -------------------------------------------------------------- engine bookkeeping
    # PyTorch's engine keeps (left, next); NumPy's keeps pos. The regular states (left + next
    # == 625, or left == 1) map onto pos directly; ``_idle_next`` remembers ``next`` while
    # left == 1 and nothing was drawn (fresh seed: 0), and ``_pre`` holds the words an
    # irregular state (from set_state) yields before its next twist.
    def _seed_engine(self, seed):
        self._seed = seed
        self._bg.state = {"bit_generator": "MT19937",
                          "state": {"key": _init_genrand(seed), "pos": _N}}
        self._idle_next = 0
        self._pre = None            # (words as uint64, torch ``next`` at their start, used)
        self._normal = None         # the double Box-Muller cache (4.4)
        self._float_cache = None    # bytes 5048..5052: kept only for the state round trip

    def _words(self, n):
        """The next ``n`` 32-bit words (as uint64)."""
        pre = self._pre
        if pre is not None:
            arr, start, used = pre
            k = min(n, arr.size - used)
            head = arr[used:used + k]
            used += k
            if used == arr.size:
                self._pre = None
                self._idle_next = start + used
            else:
                self._pre = (arr, start, used)
            if k == n:
                return head.copy()
            self._idle_next = None
            return np.concatenate([head, self._bg.random_raw(n - k)])
        if n:
            self._idle_next = None
        return self._bg.random_raw(n)

    def _words32(self, n):
        """The next ``n`` 32-bit words as uint32 (half the memory traffic of ``_words``)."""
        if self._pre is not None or not n:
            return self._words(n).astype(np.uint32)
        self._idle_next = None
        g32 = self.__dict__.get("_g32")
        if g32 is None or g32.bit_generator is not self._bg:
            # NOTE: a Generator over the same bit generator: integers() over the full uint32
            # range returns the raw words one for one (no rejection, no buffering)
            g32 = self._g32 = np.random.Generator(self._bg)
        return g32.integers(0, 1 << 32, n, dtype=np.uint32)

    def _bernoulli_hits(self, n, p):
        """``u53 < p`` for ``n`` 64-bit draws as a bool array, compared as integers: u53 < p
        exactly when the 53-bit value is below ceil(p * 2**53) = (th << 32) + tl, which the
        21 bits kept of the high word decide unless they equal th (odds 2**-21)."""
        t = math.ceil(p * 2.0 ** 53)
        th, tl = np.uint32(t >> 32), np.uint32(t & _M32)
        out = np.empty(n, dtype=bool)
        for i in range(0, n, _HIT_CHUNK):
            w = self._words32(2 * min(_HIT_CHUNK, n - i))
            hi = w[0::2]
            hi &= np.uint32(0x1FFFFF)
            r = out[i:i + _HIT_CHUNK]
            np.less(hi, th, out=r)
            tie = hi == th
            if tie.any():
                r[tie] = w[1::2][tie] < tl
        return out

    def _words64(self, n):
        """The next ``n`` 64-bit draws: two words each, the first one high."""
        w = self._words(2 * n)
        return (w[0::2] << _SH32) | w[1::2]

    def _u24(self, n):
        """``n`` float32 uniforms from the low 24 bits of one word each (section 3)."""
        if n > _WORD_CHUNK:                 # bound the temporaries of huge draws
            out = np.empty(n, dtype=np.float32)
            for i in range(0, n, _WORD_CHUNK):
                out[i:i + _WORD_CHUNK] = self._u24(min(_WORD_CHUNK, n - i))
            return out
        return (self._words(n) & _MASK24).astype(np.float32) * np.float32(2.0 ** -24)

    def _u53(self, n):
        """``n`` float64 uniforms from the low 53 bits of one 64-bit draw each."""
        if n > _WORD_CHUNK:
            out = np.empty(n, dtype=np.float64)
            for i in range(0, n, _WORD_CHUNK):
                out[i:i + _WORD_CHUNK] = self._u53(min(_WORD_CHUNK, n - i))
            return out
        return (self._words64(n) & _MASK53).astype(np.float64) * (2.0 ** -53)

    def _snapshot(self):
        return (self._bg.state, self._pre, self._idle_next)

    def _restore(self, snap):
        self._bg.state, self._pre, self._idle_next = snap

    # -------------------------------------------------------------- public API
    @property
    def device(self):
        return self._device

    def manual_seed(self, seed):
        """Seed the generator (integers in [-2**63, 2**64)); returns the generator."""
        if isinstance(seed, bool) or not isinstance(seed, int):
            if isinstance(seed, np.integer):
                raise TypeError("an integer is required")
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        if seed < -(1 << 63) or seed > _M64:
            raise ValueError("Overflow when unpacking long long")
        self._seed_engine(seed & _M64)
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self._seed_engine(s)
        return s

    def initial_seed(self):
        """The seed last given to ``manual_seed`` (or ``seed``)."""
        return self._seed

    def get_state(self):
        """The generator state as a uint8 tensor of 5056 bytes (PyTorch's layout)."""
        st = self._bg.state["state"]
        key = np.asarray(st["key"], dtype="<u8")
        if self._pre is not None:
            arr, start, used = self._pre
            left, nxt = arr.size - used + 1, start + used
        elif st["pos"] == _N:
            left, nxt = 1, (_N if self._idle_next is None else self._idle_next)
        else:
            left, nxt = _N + 1 - st["pos"], st["pos"]
        buf = bytearray(_STATE_SIZE)
        struct.pack_into("<QiiQ", buf, 0, self._seed, left, 1, nxt)
        buf[24:24 + 8 * _N] = key.tobytes()
        if self._normal is not None:
            struct.pack_into("<d", buf, 5024, self._normal)
            struct.pack_into("<i", buf, 5040, 1)
        if self._float_cache is not None:
            struct.pack_into("<f", buf, 5048, self._float_cache)
            buf[5052] = 1
        return make_tensor(np.frombuffer(buf, dtype=np.uint8), D.uint8)

    def set_state(self, new_state):
        """Restore a state from ``get_state``; returns the generator."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state._dtype is not D.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        n = new_state._array.size
        if n != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found "
                               f"the input RNG state size to be {n}")
        buf = np.ascontiguousarray(_host(new_state._array)).reshape(-1).tobytes()
        seed, left, seeded, nxt = struct.unpack_from("<QiiQ", buf, 0)
        nxt &= _M32
        if seeded == 0 or left <= 0 or left > _N or nxt > _N:
            raise RuntimeError("Invalid mt19937 state")
        key = (np.frombuffer(buf, dtype="<u8", count=_N, offset=24) & _U64(_M32)).astype(np.uint32)
        normal_y, = struct.unpack_from("<d", buf, 5024)
        normal_valid, = struct.unpack_from("<i", buf, 5040)
        fcache, = struct.unpack_from("<f", buf, 5048)
        self._seed = seed
        if nxt + left == _N + 1:            # regular: NumPy's pos says it all
            self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": nxt}}
            self._pre, self._idle_next = None, None
        else:
            self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _N}}
            pending = _temper(key[nxt:nxt + left - 1])
            self._pre = (pending, nxt, 0) if pending.size else None
            self._idle_next = nxt if left == 1 else nxt + left - 1
        self._normal = normal_y if normal_valid else None
        self._float_cache = fcache if buf[5052] else None
        return self

    def clone_state(self):
        """A new generator with this one's state."""
        g = Generator.__new__(Generator)
        g._device = self._device
        g._bg = np.random.MT19937(0)
        g._seed = self._seed
        g._bg.state = self._bg.state
        g._pre, g._idle_next = self._pre, self._idle_next
        g._normal, g._float_cache = self._normal, self._float_cache
        return g

    def __reduce__(self):
        return (Generator, (self._device,), (self._seed, None, self.get_state()))

    def __setstate__(self, state):
        seed, _offset, st = state
        self.manual_seed(seed)
        self.set_state(st)

    def __repr__(self):
        return f"<ember.Generator object at {hex(id(self))}>"


default_generator = Generator()
default_generator.seed()


def _gen(generator):
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(generator).__name__}")
    return generator


def manual_seed(seed):
    """Seed the default generator; returns it.

    >>> ember.manual_seed(0).initial_seed()
    0
    """
    return default_generator.manual_seed(int(seed))


def seed():
    """Seed the default generator nondeterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The default generator's initial seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state (uint8 tensor of 5056 bytes)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Run a block and restore the CPU generator's state afterwards."""
    if not enabled:
        yield
        return
    state = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(state)


# =============================================================================================
# Floating-point helpers (section 13)
# =============================================================================================
def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_odd(s, e):
    """``s`` = RN(x), ``e`` = x - s exactly: return x rounded to odd (in place on ``s``)."""
    fix = (e != 0) & ((s.view(np.int64) & 1) == 0)
    if fix.any():
        s[fix] = np.nextafter(s[fix], np.where(e[fix] > 0, np.inf, -np.inf))
    return s


def _f64(x):
    return x.astype(np.float64) if type(x) is np.ndarray else float(x)


_MID29 = np.uint64((1 << 29) - 1)
_HALF29 = np.uint64(1 << 28)


def _fma32(a, b, c, tiny=True):
    """float32 ``a*b + c`` with one rounding (``a`` an array; ``b``, ``c`` arrays or scalars).

    ``tiny=False`` when no result can be a nonzero float32 subnormal (the normal kernels).
    """
    p = _f64(a) * _f64(b)                               # exact: 24 + 24 bits
    s = p + _f64(c)
    out = s.astype(np.float32)
    # Rounding the double sum to float32 is the correct fma unless the double landed exactly
    # on a float32 midpoint (low 29 mantissa bits 100..0) after rounding, or in float32's
    # subnormal range; those few get the exact treatment (round to odd, then to float32).
    bits = s.view(np.uint64)
    odd = (bits & _MID29) == _HALF29
    if tiny:
        odd |= np.abs(s) < 2.0 ** -125
    if np.count_nonzero(odd):
        idx = np.nonzero(odd)
        pp = p[idx]
        cc = np.broadcast_to(np.asarray(c, dtype=np.float64), s.shape)[idx]
        ss, ee = _two_sum(pp, cc)
        ss = np.array(ss, dtype=np.float64, ndmin=1)
        ee = np.where(np.isfinite(ss), ee, 0.0)
        out[idx] = _round_odd(ss, np.array(ee, dtype=np.float64, ndmin=1)).astype(np.float32)
    return out


def _split(a):
    t = a * 134217729.0
    hi = t - (t - a)
    return hi, a - hi


def _fma64(a, b, c):
    """float64 ``a*b + c`` with one rounding (arrays; b and c may be scalars)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.broadcast_to(np.asarray(b, dtype=np.float64), a.shape)
    c = np.broadcast_to(np.asarray(c, dtype=np.float64), a.shape)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    th, tl = _two_sum(c, p)
    v, ve = _two_sum(tl, pe)
    v = np.array(v, dtype=np.float64, ndmin=1)
    ve = np.array(ve, dtype=np.float64, ndmin=1)
    with np.errstate(invalid="ignore", over="ignore"):
        z = th + _round_odd(v, np.where(np.isfinite(ve), ve, 0.0)).reshape(th.shape)
    plain = p + c
    bad = ~np.isfinite(z) | ~np.isfinite(pe) | (z == 0)
    if bad.any():
        z = np.where(bad, plain, z)
    return z


def _mul_add64(x, std, mean):
    """``fma(x, std, mean)`` in double for an array and two Python floats."""
    if std == 1.0:
        return x + mean                  # x*1 is exact: one rounding, like the fma
    return _fma64(x, std, mean)


def _map(fn, x, special):
    """``fn`` (a libm function through ``math``) per element of a float64 array."""
    if x.size > _MAP_CHUNK:
        flat = x.reshape(-1)
        out = np.empty(flat.size, dtype=np.float64)
        for i in range(0, flat.size, _MAP_CHUNK):
            out[i:i + _MAP_CHUNK] = _map(fn, flat[i:i + _MAP_CHUNK], special)
        return out.reshape(x.shape)
    flat = x.ravel().tolist()
    try:
        return np.fromiter(map(fn, flat), np.float64, count=len(flat)).reshape(x.shape)
    except (ValueError, OverflowError):
        def safe(v):
            try:
                return fn(v)
            except (ValueError, OverflowError):
                return special(v)
        out = list(map(safe, flat))
    return np.array(out, dtype=np.float64).reshape(x.shape)


_MAP_CHUNK = 1 << 16


def _log_special(v):
    return -math.inf if v == 0 else math.nan


def _log1p_special(v):
    return -math.inf if v == -1 else math.nan


def _exp_special(v):
    return math.inf if v > 0 else 0.0


def _nan_special(v):
    return math.nan


# NOTE: libm's double log is correctly rounded except when the exact value lies within 0.019 ulp
# of a midpoint between two doubles (glibc documents 0.519 ulp at most), and the x87 long
# double log is within a few of its 2**-11-ulp units of the exact value. So rounding the long
# double log to double gives libm's result wherever the long double lies farther than
# _LOG_MARGIN units (64 of the 2048 per double ulp) from a midpoint; the rest (~6%) go
# through math.log. ~3x faster than math.log for every element.
_LONG_DOUBLE_LOG = np.finfo(np.longdouble).nmant == 63 and np.dtype(np.longdouble).itemsize == 16
_LOG_MARGIN = 64


def _log(x):
    if not _LONG_DOUBLE_LOG or x.size < 64:
        return _map(math.log, x, _log_special)
    flat = x.reshape(-1)
    ld = np.log(flat.astype(np.longdouble))
    out = ld.astype(np.float64)
    low = ld.view(np.uint64)[0::2] & np.uint64(0x7FF)      # significand bits below a double's
    hard = np.abs(low.astype(np.int64) - 0x400) <= _LOG_MARGIN
    hard |= ~(flat > 0) | ~np.isfinite(flat)                # specials: libm's own values
    if hard.any():
        out[hard] = _map(math.log, flat[hard], _log_special)
    return out.reshape(x.shape)


def _log1p(x):
    return _map(math.log1p, x, _log1p_special)


def _exp(x):
    return _map(math.exp, x, _exp_special)


def _numpy_trig_is_libm():
    """Whether NumPy's float64 sin/cos are the libm functions (NumPy >= 1.25 calls libm for
    them; a SIMD build would differ in last bits): then they replace the per-element ``math``."""
    xs = np.concatenate([np.linspace(0.0, _TWO_PI_D, 997),
                         np.random.default_rng(7).random(1003) * _TWO_PI_D, [1e-300, 1e6, 3e9]])
    lst = xs.tolist()
    return (np.array_equal(np.sin(xs), np.array([math.sin(v) for v in lst]))
            and np.array_equal(np.cos(xs), np.array([math.cos(v) for v in lst])))


_TRIG_IS_LIBM = None


def _cos(x):
    global _TRIG_IS_LIBM
    if _TRIG_IS_LIBM is None:
        _TRIG_IS_LIBM = _numpy_trig_is_libm()
    if _TRIG_IS_LIBM:
        return np.cos(x)
    return _map(math.cos, x, _nan_special)


def _sin(x):
    global _TRIG_IS_LIBM
    if _TRIG_IS_LIBM is None:
        _TRIG_IS_LIBM = _numpy_trig_is_libm()
    if _TRIG_IS_LIBM:
        return np.sin(x)
    return _map(math.sin, x, _nan_special)


def _tan(x):
    return _map(math.tan, x, _nan_special)


@functools.cache
def _libm_lgamma():
    # NOTE: CPython's math.lgamma is its own Lanczos code, not libm's; poisson needs libm's.
    # Looked up on first use: find_library runs `ldconfig` in a subprocess, too slow for import.
    import ctypes
    import ctypes.util
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("m"))
        f = lib.lgamma
        f.restype, f.argtypes = ctypes.c_double, [ctypes.c_double]
        return f
    except (OSError, AttributeError, TypeError):    # pragma: no cover - non-glibc systems
        return math.lgamma


def _from_double(vals, dt):
    """``static_cast`` of double results to ``dt`` (16-bit floats through float32; section 12)."""
    if dt is D.float64:
        return vals
    if dt is D.float16 or dt is D.bfloat16:
        return vals.astype(np.float32).astype(dt.np)
    return vals.astype(dt.np)


def _from_int64(vals, dt):
    """``static_cast`` of int64 values to ``dt``."""
    if dt is D.float16 or dt is D.bfloat16:
        return vals.astype(np.float32).astype(dt.np)
    if dt is D.bool_:
        return vals != 0
    return vals.astype(dt.np)


def _cfmt(x):
    """A number as C++'s ostream prints it (PyTorch's messages)."""
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, int):
        return str(x)
    return "%g" % x


# =============================================================================================
# Layout: which element gets which draw (section 11)
# =============================================================================================
def _host(a):
    if type(a) is np.ndarray:
        return a
    return a.get()


def _is_contig(arr):
    isz = arr.itemsize
    return _is_contiguous(arr.shape, tuple(s // isz for s in arr.strides), None)


def _iter_view(arr, *others):
    """``arr`` transposed so that C order is TensorIterator's visiting order."""
    if arr.ndim <= 1 or arr.flags.c_contiguous:
        return arr
    perm = iteration_order(arr.shape, [arr.strides] + [o.strides for o in others])
    if perm == list(range(arr.ndim)):
        return arr
    return arr.transpose(perm)


def _fill(arr, vals):
    """Write ``vals`` (already of arr's dtype) into ``arr`` in visiting order."""
    if arr.size == 0:
        return
    if type(arr) is not np.ndarray:       # CUDA: streams need not match PyTorch's
        arr[...] = _array_module(arr).asarray(vals.reshape(arr.shape))
        return
    if arr.flags.c_contiguous:
        arr.reshape(-1)[...] = vals
        return
    v = _iter_view(arr)
    v[...] = vals.reshape(v.shape)


def _real_view(arr):
    """A complex array's float view with a trailing dimension of 2 (view_as_real)."""
    from numpy.lib.stride_tricks import as_strided
    r = arr.real
    return as_strided(r, arr.shape + (2,), arr.strides + (arr.itemsize // 2,))


def _complex_real(t):
    """(array to fill, real dtype) of a tensor, complex ones through their real view."""
    dt = t._dtype
    if dt.is_complex:
        return _real_view(t._array), D._TO_REAL[dt]
    return t._array, dt


def _begin_inplace(t):
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor, got {type(t).__name__}")
    _late.check_inplace(t)


def _end_inplace(t, node_name, *others):
    """Bump the version; on a tensor in the graph, record the sampler (its gradient is zero)."""
    t._bump_version()
    if _GRAD.enabled and (t._requires_grad or (t._base is not None and t._base._requires_grad)):
        _late.rebase_inplace(t, _zero_node(node_name), (t,) + others, None)
    return t


_RANDOM_NODE = {0: "RandomBackward2", 1: "RandomBackward1", 2: "RandomBackward0"}


def _zero_grads(ctx, grad):
    return tuple(_late.zeros_like(x) if isinstance(x, Tensor) else None for x in ctx.inputs)


def _zero_node(name):
    cls = _late.node_class(name)
    if cls.backward_fn is None:
        cls.backward_fn = staticmethod(_zero_grads)
    return cls


def _record_sampler(name, out, inputs):
    """Out-of-place samplers whose tensor arguments require grad get a node with zero grads."""
    if _GRAD.enabled and any(x._requires_grad for x in inputs):
        _late.record_node(_zero_node(name), inputs, out)
    return out


def _not_impl(kernel, dt):
    return NotImplementedError(f'"{kernel}" not implemented for \'{dt.scalar_name}\'')


_FLOAT_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


_FLOAT_MAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e+38,
              "float32": 3.4028234663852886e+38, "float64": 1.7976931348623157e+308}


def _float_max(dt):
    return _FLOAT_MAX[dt.name]


# =============================================================================================
# Kernels: counts in, values (in visiting order) out
# =============================================================================================
def _uniform_values(g, n, dt, a, b):
    """``uniform_(a, b)`` values for ``n`` elements of float dtype ``dt`` (section 3)."""
    if dt is D.float64:
        u = g._u53(n)
        if a == 0.0 and b == 1.0:
            return u
        lo, hi = float(a), float(b)
        v = _fma64(u, hi - lo, lo)
        v[v == hi] = lo
        return v
    u = g._u24(n)
    if dt is D.float32:
        lo, hi = np.float32(a), np.float32(b)
        if lo == 0 and hi == 1:
            return u
        v = _fma32(u, np.float32(hi - lo), lo)
        v[v == hi] = lo
        return v
    lo16 = np.array(a, dtype=np.float64).astype(np.float32).astype(dt.np)
    hi16 = np.array(b, dtype=np.float64).astype(np.float32).astype(dt.np)
    lo, hi = np.float32(a), np.float32(b)            # the arithmetic runs on float bounds
    v = _fma32(u, np.float32(hi - lo), lo).astype(dt.np)
    v[v == hi16] = lo16
    return v


# ---- normal, float32 block kernel (4.2) -----------------------------------------------------
def _f(bits):
    return np.array(bits, dtype=np.uint32).view(np.float32)[()]


_LOG_P = [_f(b) for b in (0x3D9021BB, 0xBDEBD1B8, 0x3DEF251A, 0xBDFE5D4F, 0x3E11E9BF,
                          0xBE2AAE50, 0x3E4CCEAC, 0xBE7FFFFC, 0x3EAAAAAA)]
_LOG_Q1, _LOG_Q2 = _f(0xB95E8083), _f(0x3F318000)
_SQRTHF = _f(0x3F3504F3)
_FOPI = _f(0x3FA2F983)
_DP1, _DP2, _DP3 = _f(0xBF490000), _f(0xB97DA000), _f(0xB3222169)
_COS_C = (_f(0x37CCF5CE), _f(0xBAB6061A), _f(0x3D2AAAA5))
_SIN_S = (_f(0xB94CA1F9), _f(0x3C08839E), _f(0xBE2AAAA3))
_TWO_PI_F = _f(0x40C90FDB)
_ONE = np.float32(1.0)
_HALF = np.float32(0.5)


class _F32Rounder:
    """Scratch space for float32 arithmetic carried out on float64 arrays.

    The kernels below hold float32 values in float64 arrays: a product of two float32 values is
    then exact, and ``fma(a, b, c)`` is the float64 ``a*b + c`` rounded to float32. That double
    rounding is wrong only when the float64 sum lands on a float32 midpoint; for the LOG and
    SINCOS steps below it never does: checked exhaustively against the exact emulation
    (``_fma32``) on all 2**24 possible inputs of each kernel.
    """

    def __init__(self, n):
        self.t32 = np.empty(n, dtype=np.float32)
        self.t64 = np.empty(n, dtype=np.float64)

    def round(self, x):
        """Round float64 ``x`` to float32 in place."""
        np.copyto(self.t32, x, casting="unsafe")
        np.copyto(x, self.t32)
        return x

    def fma(self, a, b, c, out):
        """``out = fl32(a*b + c)`` (all float64 arrays or scalars holding float32 values)."""
        np.multiply(a, b, out=self.t64)
        np.add(self.t64, c, out=out)
        return self.round(out)


_LOG_P64 = [np.float64(p) for p in _LOG_P]
_Q1_64, _Q2_64 = np.float64(_LOG_Q1), np.float64(_LOG_Q2)
_DP64 = (np.float64(_DP1), np.float64(_DP2), np.float64(_DP3))
_COS64 = tuple(np.float64(c) for c in _COS_C)
_SIN64 = tuple(np.float64(s) for s in _SIN_S)
_SIGN32 = np.uint32(0x80000000)


def _log_ps(u, r):
    """The AVX2 build's single-precision log (cephes) of float64 ``u`` in [2**-24, 1], as float64
    holding float32 values; ``r`` is an ``_F32Rounder``."""
    # NOTE: frexp gives the kernel's exponent/mantissa split exactly (m in [0.5, 1)); the
    # kernel's max(x, 2**-126) and sign handling are no-ops on these inputs
    m, e = np.frexp(u)
    e = e.astype(np.float64)
    small = m < np.float64(_SQRTHF)
    e -= small
    m *= small + 1.0                     # 2m - 1 below sqrt(1/2), else m - 1: both exact
    m -= 1.0
    z = r.round(m * m)
    y = np.empty_like(m)
    r.fma(_LOG_P64[0], m, _LOG_P64[1], y)
    for p in _LOG_P64[2:]:
        r.fma(y, m, p, y)
    y *= m
    r.round(y)
    q = r.round(e * _Q1_64)
    r.fma(y, z, q, y)
    z *= 0.5
    y -= z                               # fma(-z, 0.5, y): z/2 is exact
    r.round(y)
    y += m
    r.round(y)
    e *= _Q2_64                          # fma(e, Q2, r): e*Q2 is exact
    y += e
    return r.round(y)


def _sincos_ps(theta, r):
    """The AVX2 build's single-precision sincos (cephes) of float64 ``theta`` in [0, 2*pi):
    (sin, cos) as float32 arrays."""
    j = r.round(theta * np.float64(_FOPI)).astype(np.int32)
    j += 1
    j &= ~1
    y = j.astype(np.float64)
    x = np.empty_like(theta)
    r.fma(y, _DP64[0], theta, x)
    r.fma(y, _DP64[1], x, x)
    r.fma(y, _DP64[2], x, x)
    z = r.round(x * x)
    c = np.empty_like(z)
    s = np.empty_like(z)
    r.fma(z, _COS64[0], _COS64[1], c)
    r.fma(c, z, _COS64[2], c)
    c *= z
    r.round(c)
    c *= z
    c -= r.round(z * 0.5)                # fma(z, c, -h)
    r.round(c)
    c += 1.0
    r.fma(z, _SIN64[0], _SIN64[1], s)
    r.fma(s, z, _SIN64[2], s)
    s *= z
    r.round(s)
    r.fma(x, s, x, s)
    c32 = c.astype(np.float32)            # (the last sum of c rounds here)
    s32 = s.astype(np.float32)
    # select by bit masks (np.where is slow on random masks) and flip signs by XOR
    cb, sb = c32.view(np.uint32), s32.view(np.uint32)
    swap = (j & 2).astype(np.uint32)
    swap = (np.uint32(0) - (swap >> np.uint32(1)))      # all ones where the polynomials swap
    diff = (cb ^ sb) & swap
    sin_b = sb ^ diff
    cos_b = cb ^ diff
    sin_b ^= (j & 4).astype(np.uint32) << np.uint32(29)
    cos_b ^= ((~(j - 2)) & 4).astype(np.uint32) << np.uint32(29)
    return sin_b.view(np.float32), cos_b.view(np.float32)


def _rounded(xs):
    """Python floats rounded to float32 (and back to Python floats)."""
    return _array("f", xs).tolist()


_PY_LOG_P = [float(p) for p in _LOG_P]
_PY_Q1, _PY_Q2, _PY_SQRTHF = float(_LOG_Q1), float(_LOG_Q2), float(_SQRTHF)
_PY_FOPI, _PY_TWO_PI_F = float(_FOPI), float(_TWO_PI_F)
_PY_DP = tuple(float(v) for v in (_DP1, _DP2, _DP3))
_PY_C = tuple(float(v) for v in _COS_C)
_PY_S = tuple(float(v) for v in _SIN_S)


def _block32_few(d):
    """``_block32`` for a few blocks (mean 0, std 1) on Python floats: the same float32 steps
    as the array kernel (a float64 operation then a rounding to float32 each), without the
    per-call cost of ~150 NumPy operations on tiny arrays."""
    rnd = _rounded
    u = d.tolist()
    u1 = [1.0 - v for b in u for v in b[:8]]
    u2 = [v for b in u for v in b[8:]]
    # LOG (see _log_ps)
    me = [math.frexp(v) for v in u1]
    small = [m < _PY_SQRTHF for m, _ in me]
    m = [(a + a - 1.0) if sm else (a - 1.0) for (a, _), sm in zip(me, small)]
    e = [float(b - sm) for (_, b), sm in zip(me, small)]
    z = rnd([v * v for v in m])
    p = _PY_LOG_P
    y = rnd([p[0] * v + p[1] for v in m])
    for c in p[2:]:
        y = rnd([a * v + c for a, v in zip(y, m)])
    y = rnd([a * v for a, v in zip(y, m)])
    q = rnd([v * _PY_Q1 for v in e])
    y = rnd([a * b + c for a, b, c in zip(y, z, q)])
    y = rnd([a - b * 0.5 for a, b in zip(y, z)])
    y = rnd([a + b for a, b in zip(y, m)])
    y = rnd([a + b * _PY_Q2 for a, b in zip(y, e)])
    radius = rnd([math.sqrt(-2.0 * v) for v in y])
    # SINCOS (see _sincos_ps)
    theta = rnd([v * _PY_TWO_PI_F for v in u2])
    j = [(int(v) + 1) & ~1 for v in rnd([t * _PY_FOPI for t in theta])]
    x = rnd([k * _PY_DP[0] + t for k, t in zip(j, theta)])
    x = rnd([k * _PY_DP[1] + t for k, t in zip(j, x)])
    x = rnd([k * _PY_DP[2] + t for k, t in zip(j, x)])
    z = rnd([v * v for v in x])
    c = rnd([v * _PY_C[0] + _PY_C[1] for v in z])
    c = rnd([a * b + _PY_C[2] for a, b in zip(c, z)])
    c = rnd([a * b for a, b in zip(c, z)])
    h = rnd([v * 0.5 for v in z])
    c = rnd([a * b - k for a, b, k in zip(c, z, h)])
    c = rnd([a + 1.0 for a in c])
    s = rnd([v * _PY_S[0] + _PY_S[1] for v in z])
    s = rnd([a * b + _PY_S[2] for a, b in zip(s, z)])
    s = rnd([a * b for a, b in zip(s, z)])
    s = rnd([a * b + a for a, b in zip(x, s)])
    out = []
    for i in range(0, len(radius), 8):
        cos_part, sin_part = [], []
        for k in range(i, i + 8):
            jj, ss, cc = j[k], s[k], c[k]
            sn, cs = (ss, cc) if (jj & 2) == 0 else (cc, ss)
            if jj & 4:
                sn = -sn
            if ((jj - 2) & 4) == 0:
                cs = -cs
            cos_part.append(radius[k] * cs)
            sin_part.append(radius[k] * sn)
        out += cos_part
        out += sin_part
    # fma(x, 1, 0): the product rounded to float32, and -0 becomes +0
    return np.array(rnd(out), dtype=np.float32).reshape(d.shape) + np.float32(0)


_FEW_BLOCKS = 1                 # above one block the array kernel is as fast


def _block32(d, mean32, std32):
    """Transform (B, 16) float32 uniforms into normals (the AVX2 kernel)."""
    if d.shape[0] <= _FEW_BLOCKS and std32 == 1 and mean32 == 0:
        return _block32_few(d)
    half = d.shape[0] * 8
    r = _F32Rounder(half)
    u1 = np.subtract(1.0, d[:, :8], dtype=np.float64).reshape(-1)     # exact
    lg = _log_ps(u1, r)
    lg *= -2.0
    radius = np.sqrt(lg.astype(np.float32))
    theta = np.multiply(d[:, 8:], _TWO_PI_F, dtype=np.float64).reshape(-1)
    s, c = _sincos_ps(r.round(theta), r)
    out = np.empty(d.shape, dtype=np.float32)
    np.multiply(radius.reshape(-1, 8), c.reshape(-1, 8), out=out[:, :8])
    np.multiply(radius.reshape(-1, 8), s.reshape(-1, 8), out=out[:, 8:])
    if std32 == 1 and mean32 == 0:
        out += np.float32(0)                 # fma(x, 1, 0): only -0 changes (to +0)
        return out
    return _fma32(out, std32, mean32)


def _block64(d, mean, std):
    """Transform (B, 16) float64 uniforms into normals (4.3, libm log/cos/sin)."""
    radius = np.sqrt(-2.0 * _log(1.0 - d[:, :8]))
    theta = _TWO_PI_D * d[:, 8:]
    out = np.empty(d.shape, dtype=np.float64)
    out[:, :8] = _mul_add64(radius * _cos(theta), std, mean)
    out[:, 8:] = _mul_add64(radius * _sin(theta), std, mean)
    return out


def _normal_vector(g, n, dt, mean, std):
    """Vector-path normals (n >= 16, contiguous): values in element order, dtype ``dt``."""
    nb, rem = divmod(n, 16)
    out = np.empty(n, dtype=dt.np)
    if dt is D.float64:
        draw, block, args = g._u53, _block64, (mean, std)
    else:
        draw, block, args = g._u24, _block32, (np.float32(mean), np.float32(std))
    # float16/bfloat16 never draw the n % 16 leftover uniforms of the first pass (4.1)
    first = u = draw(nb * 16) if dt in (D.float16, D.bfloat16) else draw(n)
    step = _CHUNK16 * 16                    # cache-sized chunks of blocks
    for i in range(0, nb * 16, step):
        j = min(i + step, nb * 16)
        out[i:j] = block(u[i:j].reshape(-1, 16), *args).reshape(-1)
    if rem:
        out[n - 16:] = block(draw(16).reshape(1, 16), *args).reshape(-1)
    del first
    return out


_CHUNK16 = 4096


def _unit_normals_scalar(g, n):
    """``n`` raw unit normals from the scalar Box-Muller path, using and refilling g's cache."""
    out = []
    if n == 0:
        return np.empty(0, dtype=np.float64)
    if g._normal is not None:
        out.append(g._normal)
        g._normal = None
    m = n - len(out)
    if m:
        pairs = (m + 1) // 2
        if pairs <= 64:                     # few values: plain Python floats beat NumPy calls
            w = g._words(4 * pairs).tolist()
            sqrt, log1p, cos, sin = math.sqrt, math.log1p, math.cos, math.sin
            for k in range(0, 4 * pairs, 4):
                u1 = (((w[k] << 32) | w[k + 1]) & 0x1FFFFFFFFFFFFF) * 1.1102230246251565e-16
                u2 = (((w[k + 2] << 32) | w[k + 3]) & 0x1FFFFFFFFFFFFF) * 1.1102230246251565e-16
                r = sqrt(-2.0 * log1p(-u2))
                theta = _TWO_PI_D * u1
                out.append(r * cos(theta))
                out.append(r * sin(theta))
            if m % 2:
                g._normal = out.pop()
            return np.array(out, dtype=np.float64)
        u = g._u53(2 * pairs).reshape(pairs, 2)
        r = np.sqrt(-2.0 * _log1p(-u[:, 1]))
        theta = _TWO_PI_D * u[:, 0]
        both = np.empty((pairs, 2), dtype=np.float64)
        both[:, 0] = r * _cos(theta)
        both[:, 1] = r * _sin(theta)
        res = np.empty(n, dtype=np.float64)
        res[:n - m] = out
        res[n - m:] = both.reshape(-1)[:m]
        if m % 2:
            g._normal = float(both[-1, 1])
        return res
    return np.array(out, dtype=np.float64)


def _normal_scalar(g, n, mean, std):
    return _mul_add64(_unit_normals_scalar(g, n), float(std), float(mean))


def _normal_fill(arr, dt, mean, std, g):
    """``normal_(mean, std)`` into a real float array ``arr`` of dtype ``dt`` (section 4)."""
    n = arr.size
    if n == 0:
        return
    if n >= 16 and _is_contig(arr) and type(arr) is np.ndarray:
        vals = _normal_vector(g, n, dt, mean, std)
        if arr.flags.c_contiguous:
            arr.reshape(-1)[...] = vals
        else:                               # contiguous up to size-1 dims
            arr[...] = vals.reshape(arr.shape)
        return
    if n >= 16 and _is_contig(arr):
        _fill(arr, _normal_vector(g, n, dt, mean, std))
        return
    _fill(arr, _from_double(_normal_scalar(g, n, mean, std), dt))


# ---- integers (section 5) ------------------------------------------------------------------
def _ints_from_to(g, n, rng, base):
    """``n`` values ``draw mod rng + base`` (uint64 wrap), as int64."""
    if rng >= (1 << 28):
        w = g._words64(n)
    else:
        w = g._words(n)
    v = w % _U64(rng) if rng != 1 else np.zeros(n, dtype=np.uint64)
    return (v + _U64(base & _M64)).view(np.int64)


def _cast_int_to_float(v, dt):
    """``static_cast<scalar_t>(int64)`` then back to int64 (the nudge of 5.1)."""
    f = np.array([v], dtype=np.int64)
    f = f.astype(np.float32).astype(dt.np) if dt in (D.float16, D.bfloat16) else f.astype(dt.np)
    x = float(f.astype(np.float64)[0])
    if not math.isfinite(x) or x >= 2.0 ** 63 or x < -2.0 ** 63:
        return _INT64_MIN
    return int(x)


def _update_from(frm, dt):
    c = _cast_int_to_float(frm + 1, dt)
    if c < frm:
        e = abs(frm + 1).bit_length() - 1
        frm = c + (1 << (e - _FLOAT_DIGITS[dt.name] + 1))
    return frm


def _update_to(to, dt):
    c = _cast_int_to_float(to - 1, dt)
    if c >= to:
        e = abs(to - 1).bit_length() - 1
        to = c - (1 << (e - _FLOAT_DIGITS[dt.name] + 1))
    return to


def _int_bounds(dt):
    if dt is D.bool_:
        return 0, 1
    info = np.iinfo(dt.np)
    return int(info.min), int(info.max)


def _check_from_to_in_range(frm, to_inc, dt):
    if dt.is_floating_point:
        mx = _float_max(dt)
        if not -mx <= frm <= mx:
            raise RuntimeError(f"from is out of bounds for {dt.cpp_name}")
        if not -mx <= to_inc <= mx:
            raise RuntimeError(f"to - 1 is out of bounds for {dt.cpp_name}")
        digits = _FLOAT_DIGITS[dt.name]
        for var, name in ((frm, "from"), (to_inc, "to - 1")):
            if var < -(1 << digits) or var > (1 << digits):
                warnings.warn(
                    f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision "
                    f"limitations {dt.cpp_name} can support discrete uniform distribution only "
                    "within this range. This warning will become an error in version 1.7 release, "
                    "please fix the code in advance", UserWarning, stacklevel=4)
        return
    if dt is D.uint64:
        if frm < 0:
            raise RuntimeError(f"from is out of bounds for {dt.cpp_name}")
        if to_inc < 0:
            raise RuntimeError(f"to - 1 is out of bounds for {dt.cpp_name}")
        return
    lo, hi = _int_bounds(dt)
    if not lo <= frm <= hi:
        raise RuntimeError(f"from is out of bounds for {dt.cpp_name}")
    if not lo <= to_inc <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {dt.cpp_name}")


def _check_int64(*vals):
    for v in vals:
        if v is not None and not (-(1 << 63) <= v < (1 << 63)):
            raise ValueError("Overflow when unpacking long long")


def _random_from_to(arr, dt, frm, to, g):
    """``random_(from, to)`` (``to`` None: up to the dtype's top) into ``arr`` (5.1)."""
    _check_int64(frm, to)
    if dt.is_complex or dt.np is None or dt in D.FLOAT8_DTYPES:
        raise _not_impl("random_from_to_range_calc" if to is None else "random_from_to_kernel_cpu",
                        dt)
    if to is not None:
        if frm >= to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={frm} "
                               f">= to={to}")
        if dt.is_floating_point:
            frm = _update_from(frm, dt)
            to = _update_to(to, dt)
            if frm >= to:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' "
                                   f"casted to dtype, but got from={frm} >= to={to}")
        _check_from_to_in_range(frm, to - 1, dt)
        rng = (to - frm) & _M64
    elif frm != _INT64_MIN:
        if dt.is_floating_point:
            to_inc = 1 << _FLOAT_DIGITS[dt.name]
            frm = _update_from(frm, dt)
            if frm >= to_inc:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than or equal "
                                   f"to 'to_inc' casted to dtype, but got from={frm} > "
                                   f"to_inc={to_inc}")
        else:
            to_inc = _int_bounds(dt)[1] if dt is not D.uint64 else -1   # max(uint64) as int64
        _check_from_to_in_range(frm, to_inc, dt)
        rng = (to_inc - frm + 1) & _M64
    else:
        if arr.size == 0:
            return
        if dt in (D.bool_, D.float16) or dt in D.BAREBONES_UNSIGNED:
            raise _not_impl("random_full_64_bits_range_kernel_cpu", dt)
        if dt not in (D.int64, D.float64, D.float32, D.bfloat16):
            raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, "
                               "float and bfloat16")
        _fill(arr, _from_int64(g._words64(arr.size).view(np.int64), dt))
        return
    if arr.size == 0:
        return
    vals = _ints_from_to(g, arr.size, rng, frm)
    if dt is D.uint64:
        vals = vals.view(np.uint64)
    _fill(arr, _from_int64(vals, dt))


_RANDOM_PLAIN = {  # dtype name -> (64-bit draw?, modulus) for random_() (5.2)
    "int64": (True, 1 << 63), "float64": (True, (1 << 53) + 1), "int32": (False, 1 << 31),
    "int16": (False, 1 << 15), "int8": (False, 1 << 7), "uint8": (False, 1 << 8),
    "float32": (False, (1 << 24) + 1), "float16": (False, (1 << 11) + 1),
    "bfloat16": (False, (1 << 8) + 1), "bool": (False, 2),
}


def _random_plain(arr, dt, g):
    spec = _RANDOM_PLAIN.get(dt.name)
    if spec is None:
        raise _not_impl("random_kernel_cpu", dt)
    n = arr.size
    if n == 0:
        return
    wide, mod = spec
    w = g._words64(n) if wide else g._words(n)
    _fill(arr, _from_int64((w % _U64(mod)).astype(np.int64), dt))


# =============================================================================================
# In-place samplers (Tensor methods)
# =============================================================================================
def _check_float_kernel(t, kernel):
    dt = t._dtype
    if not dt.is_floating_point or dt.np is None or dt in D.FLOAT8_DTYPES:
        raise _not_impl(kernel, dt)


def uniform_(self, from_=0, to=1, *, generator=None, **kw):
    """Fill with uniform samples from [from, to).

    >>> ember.manual_seed(0); ember.empty(2).uniform_(-1, 1)
    tensor([-0.0075,  0.5364])
    """
    if "from" in kw:
        from_ = kw.pop("from")
    if kw:
        raise TypeError(f"uniform_() got an unexpected keyword argument '{next(iter(kw))}'")
    g = _gen(generator)
    _begin_inplace(self)
    arr, dt = _complex_real(self)
    if not dt.is_floating_point or dt in D.FLOAT8_DTYPES:
        raise _not_impl("check_uniform_bounds", dt)
    a, b = float(from_), float(to)
    mx = _float_max(dt)
    if not (-mx <= a <= mx):
        raise RuntimeError(f"from is out of bounds for {dt.cpp_name}")
    if not (-mx <= b <= mx):
        raise RuntimeError(f"to is out of bounds for {dt.cpp_name}")
    if not a <= b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_cfmt(a)} > to={_cfmt(b)}")
    if not (b - a) <= mx:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{dt.scalar_name}>::"
                           f"max(), but found to={_cfmt(b)} and from={_cfmt(a)} which result in "
                           "to-from to exceed the limit")
    if arr.size:
        _fill(arr, _uniform_values(g, arr.size, dt, a, b))
    return _end_inplace(self, "UniformBackward0")


def normal_(self, mean=0, std=1, *, generator=None):
    """Fill with normal samples N(mean, std**2) (PyTorch's two CPU algorithms).

    >>> ember.manual_seed(0); ember.empty(2).normal_()
    tensor([ 1.5410, -0.2934])
    """
    g = _gen(generator)
    _begin_inplace(self)
    mean, std = float(mean), float(std)
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_cfmt(std)}")
    arr, dt = _complex_real(self)
    if not dt.is_floating_point or dt in D.FLOAT8_DTYPES:
        raise _not_impl("normal_kernel_cpu", self._dtype)
    if self._dtype.is_complex:
        std = std / math.sqrt(2)
    _normal_fill(arr, dt, mean, std, g)
    return _end_inplace(self, "NormalBackward0")


def random_(self, *args, generator=None, **kw):
    """Fill with integers: ``random_()``, ``random_(to)``, ``random_(from, to)``.

    >>> ember.manual_seed(0); ember.empty(3, dtype=ember.int64).random_(10)
    tensor([4, 9, 3])
    """
    if "from" in kw:
        args = (kw.pop("from"),) + args
    if "to" in kw:
        to = kw.pop("to")
        args = (args[0] if args else 0, to)
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    if len(args) > 2:
        raise TypeError(f"random_() takes from 0 to 2 positional arguments but {len(args)} were "
                        "given")
    for a in args:
        if a is not None and (isinstance(a, bool) or not hasattr(a, "__index__")):
            got = ", ".join(type(x).__name__ for x in args)
            raise TypeError(f"random_() received an invalid combination of arguments - got "
                            f"({got}), but expected one of:\n * (*, torch.Generator generator = "
                            "None)\n * (int from, int to, *, torch.Generator generator = None)\n"
                            " * (int to, *, torch.Generator generator = None)\n")
    g = _gen(generator)
    _begin_inplace(self)
    arr, dt = self._array, self._dtype
    if not args:
        _random_plain(arr, dt, g)
    elif len(args) == 1:
        _random_from_to(arr, dt, 0, args[0].__index__(), g)
    else:
        frm, to = args
        _random_from_to(arr, dt, frm.__index__(), None if to is None else to.__index__(), g)
    return _end_inplace(self, _RANDOM_NODE[len(args)])


def exponential_(self, lambd=1, *, generator=None):
    """Fill with exponential samples of rate ``lambd``."""
    g = _gen(generator)
    _begin_inplace(self)
    dt = self._dtype
    lambd = float(lambd)
    if not (lambd > 0.0 and math.isfinite(lambd)):
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_cfmt(lambd)}")
    if not dt.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {dt.scalar_name}")
    n = self._array.size
    if n:
        _fill(self._array, _from_double(_exponential_values(g, n, lambd), dt))
    return _end_inplace(self, "ExponentialBackward0")


def _exponential_values(g, n, lambd):
    u = g._u53(n)
    return (-1.0 / lambd) * _log1p(-u)


def geometric_(self, p, *, generator=None):
    """Fill with geometric samples (number of trials to the first success)."""
    g = _gen(generator)
    _begin_inplace(self)
    dt = self._dtype
    if dt.is_complex or dt is D.bool_ or dt in D.BAREBONES_UNSIGNED or dt.np is None:
        raise _not_impl("geometric_cpu", dt)
    p = float(p)
    if not 0.0 < p < 1.0:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_cfmt(p)}")
    n = self._array.size
    if n:
        u = g._u53(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.ceil(_log(u) / math.log1p(-p))
        if dt.is_floating_point:
            vals = _from_double(x, dt)
        else:
            vals = _from_int64(_double_to_int64(x), dt)
        _fill(self._array, vals)
    return _end_inplace(self, "GeometricBackward0")


def _double_to_int64(x):
    """C++ double -> int64 conversion as x86 does it (out of range and NaN give INT64_MIN)."""
    ok = np.isfinite(x) & (x < 2.0 ** 63) & (x >= -2.0 ** 63)
    out = np.full(x.shape, _INT64_MIN, dtype=np.int64)
    out[ok] = x[ok].astype(np.int64)
    return out


def cauchy_(self, median=0, sigma=1, *, generator=None):
    """Fill with Cauchy samples."""
    g = _gen(generator)
    _begin_inplace(self)
    dt = self._dtype
    if not dt.is_floating_point:
        raise RuntimeError("Cauchy distribution is a continuous probability distribution. dtype "
                           f"must be a floating point but you specified {dt.cpp_name}")
    median, sigma = float(median), float(sigma)
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_cfmt(sigma)}")
    n = self._array.size
    if n:
        u = g._u53(n)
        t = _tan((u - 0.5) * math.pi)
        _fill(self._array, _from_double(_mul_add64(t, sigma, median), dt))
    return _end_inplace(self, "CauchyBackward0")


def log_normal_(self, mean=1, std=2, *, generator=None):
    """Fill with log-normal samples: exp of N(mean, std**2) (scalar Box-Muller path)."""
    g = _gen(generator)
    _begin_inplace(self)
    dt = self._dtype
    mean, std = float(mean), float(std)
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_cfmt(std)}")
    if not dt.is_floating_point or dt in D.FLOAT8_DTYPES:
        raise _not_impl("log_normal_cpu", dt)
    n = self._array.size
    if n:
        _fill(self._array, _from_double(_exp(_normal_scalar(g, n, mean, std)), dt))
    return _end_inplace(self, "LogNormalBackward0")


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 draws: 1 with probability ``p`` (a float or a tensor broadcast to self).

    Dropout masks: ``bernoulli_(empty_like(x), 1 - p)`` (one 64-bit draw per element).
    """
    g = _gen(generator)
    _begin_inplace(self)
    dt = self._dtype
    arr = self._array
    if isinstance(p, Tensor):
        if dt.is_complex or dt.np is None:
            raise _not_impl("bernoulli_tensor_cpu_self_", dt)
        pdt = p._dtype
        if not pdt.is_floating_point or pdt in D.FLOAT8_DTYPES:
            raise _not_impl("bernoulli_tensor_cpu_p_", pdt)
        pa = _expand_to(p, arr.shape)
        if arr.size == 0:
            return _end_inplace(self, "BernoulliBackward1", p)
        out_v, p_v = arr, pa
        if arr.ndim > 1 and type(arr) is np.ndarray:
            perm = iteration_order(arr.shape, [arr.strides, pa.strides])
            out_v, p_v = arr.transpose(perm), pa.transpose(perm)
        pvals = np.ascontiguousarray(p_v).reshape(-1)
        if not ((pvals >= 0) & (pvals <= 1)).all():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                               "this error message be improved?  If so, please report an "
                               "enhancement request to PyTorch.)")
        if pdt is D.float64:
            hit = g._u53(arr.size) < pvals
        else:
            hit = g._u24(arr.size) < pvals.astype(np.float32)
        vals = _from_int64(hit.astype(np.int64), dt).reshape(out_v.shape)
        if type(arr) is np.ndarray:
            out_v[...] = vals
        else:
            _fill(arr, vals)
        return _end_inplace(self, "BernoulliBackward1", p)
    if dt.is_complex or dt.np is None:
        raise _not_impl("bernoulli_scalar_cpu_", dt)
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_cfmt(p)}")
    n = arr.size
    if n:
        hits = g._bernoulli_hits(n, p)
        if dt is D.float32 or dt is D.float64:
            _fill(arr, hits.astype(dt.np))
        else:
            _fill(arr, _from_int64(hits.astype(np.int64), dt))
    return _end_inplace(self, "BernoulliBackward2")

def _expand_to(p, shape):
    """``p``'s host array broadcast to ``shape`` with PyTorch's expand errors."""
    pa = _host(p._array)
    ps = pa.shape
    if len(ps) > len(shape):
        raise RuntimeError(f"expand(torch.{p._dtype.tensor_type_name or 'Tensor'}{{{list(ps)}}}, "
                           f"size={list(shape)}): the number of sizes provided ({len(shape)}) must "
                           f"be greater or equal to the number of dimensions in the tensor "
                           f"({len(ps)})")
    off = len(shape) - len(ps)
    for i, s in enumerate(ps):
        if s != 1 and s != shape[off + i]:
            raise RuntimeError(
                f"The expanded size of the tensor ({shape[off + i]}) must match the existing size "
                f"({s}) at non-singleton dimension {off + i}.  Target sizes: {list(shape)}.  "
                f"Tensor sizes: {list(ps)}")
    return np.broadcast_to(pa, shape)


# =============================================================================================
# Factories and functions
# =============================================================================================
def _check_generator(fname, args, generator):
    if generator is not None and not isinstance(generator, Generator):
        got = ", ".join([type(a).__name__ for a in args] + [f"generator={type(generator).__name__}"])
        raise TypeError(f"{fname}() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:")


def _parse_size(size, fname):
    flat = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    for v in flat:
        if isinstance(v, int) and not isinstance(v, bool) and v < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {v}: "
                               f"[{', '.join(str(x) for x in flat)}]")
    return _late.parse_size(size, fname)


def _factory_args(fname, size, kwsize):
    if kwsize is not None:
        if size:
            raise TypeError(f"{fname}() got multiple values for argument 'size'")
        size = (kwsize,)
    if len(size) == 0:
        raise TypeError(f"{fname}() received an invalid combination of arguments - got (), but "
                        "expected one of:\n * (tuple of ints size, *, torch.Generator generator, "
                        "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, "
                        "torch.device device = None, bool pin_memory = False, bool requires_grad "
                        "= False)\n")
    return _parse_size(size, fname)


def _dtype_arg(dtype):
    if dtype is None or isinstance(dtype, D.dtype):
        return dtype
    return _late._dtype_arg(dtype)


def _target(fname, shape, dtype, default, out):
    """The tensor a factory fills: ``out`` (resized if its shape differs) or a new one."""
    dt = _dtype_arg(dtype)
    if out is None:
        dt = dt or default
        if dt.np is None:
            raise RuntimeError(f"ember cannot hold {dt} tensors (NumPy has no such type)")
        return make_tensor(np.empty(shape, dtype=dt.np), dt)
    if not isinstance(out, Tensor):
        raise TypeError(f"{fname}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if dt is not None and dt is not out._dtype:
        raise RuntimeError(f"dtype {dt.scalar_name} does not match dtype of out parameter "
                           f"({out._dtype.scalar_name})")
    if tuple(out._array.shape) != tuple(shape):
        out._array = np.empty(shape, dtype=out._dtype.np)
    return out


def _fresh(t):
    """A factory's own tensor: PyTorch fills it without counting a version (``_version`` 0)."""
    t._vc = None
    return t


def _finish(t, out, requires_grad, device):
    if out is not None:
        return out
    t._vc = None
    if device is None and not requires_grad:
        return _late.finish(t)
    return _late.finish(t, requires_grad, _late.check_device(device))


def _plain_shape(size):
    """``size`` is a few non-negative Python ints (the common factory call)."""
    if not size or len(size) > 8:
        return False
    for v in size:
        if type(v) is not int or v < 0:
            return False
    return True


def _fast_factory(shape, normal):
    """``rand(*shape)`` / ``randn(*shape)`` on the default generator in a float32/float64
    default dtype: the draws of ``uniform_``/``normal_`` without their argument handling."""
    dt = D.get_default_dtype()
    if dt is not D.float32 and dt is not D.float64:
        return _late.finish(_fresh(normal_(_target("randn", shape, None, dt, None))
                                   if normal else uniform_(_target("rand", shape, None, dt, None))))
    g = default_generator
    n = math.prod(shape)
    if not normal:
        vals = g._u24(n) if dt is D.float32 else g._u53(n)
    elif n >= 16:
        vals = _normal_vector(g, n, dt, 0.0, 1.0)
    else:
        vals = _from_double(_normal_scalar(g, n, 0.0, 1.0), dt)
    return _late.finish(make_tensor(vals.reshape(shape), dt))


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         pin_memory=False, requires_grad=False, names=None, **kw):
    """Uniform samples from [0, 1).

    >>> ember.manual_seed(0); ember.rand(2, 2)
    tensor([[0.4963, 0.7682],
            [0.0885, 0.1320]])
    """
    if (generator is None and out is None and dtype is None and device is None and not kw
            and layout is None and names is None and not pin_memory and not requires_grad
            and _plain_shape(size)):
        return _fast_factory(size, False)
    _check_generator("rand", size, generator)
    shape = _factory_args("rand", size, kw.pop("size", None))
    _no_extra("rand", kw)
    t = _target("rand", shape, dtype, D.get_default_dtype(), out)
    uniform_(t, 0, 1, generator=generator)
    return _finish(t, out, requires_grad, device)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          pin_memory=False, requires_grad=False, names=None, **kw):
    """Standard normal samples.

    >>> ember.manual_seed(0); ember.randn(3)
    tensor([ 1.5410, -0.2934, -2.1788])
    """
    if (generator is None and out is None and dtype is None and device is None and not kw
            and layout is None and names is None and not pin_memory and not requires_grad
            and _plain_shape(size)):
        return _fast_factory(size, True)
    _check_generator("randn", size, generator)
    shape = _factory_args("randn", size, kw.pop("size", None))
    _no_extra("randn", kw)
    t = _target("randn", shape, dtype, D.get_default_dtype(), out)
    normal_(t, 0, 1, generator=generator)
    return _finish(t, out, requires_grad, device)


def _checked_requires_grad(t, requires_grad):
    if requires_grad and not (t._dtype.is_floating_point or t._dtype.is_complex):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")


def _no_extra(fname, kw):
    if kw:
        raise TypeError(f"{fname}() got an unexpected keyword argument '{next(iter(kw))}'")


def _as_index(v, fname, argname, pos=None):
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        where = f" (position {pos})" if pos else ""
        raise TypeError(f"{fname}(): argument '{argname}'{where} must be int, not "
                        f"{type(v).__name__}")
    return v.__index__()


def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None,
            pin_memory=False, requires_grad=False, **kw):
    """Uniform integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``.

    >>> ember.manual_seed(0); ember.randint(10, (3,))
    tensor([4, 9, 3])
    """
    extra = [k for k in kw if k not in ("low", "high", "size")]
    _no_extra("randint", {k: kw[k] for k in extra})
    total = len(args) + len(kw)
    names = ("high", "size") if total == 2 else ("low", "high", "size")
    bound = dict(zip(names, args))
    if total not in (2, 3) or any(k in bound for k in kw) or (total == 2 and "low" in kw):
        got = ", ".join([type(a).__name__ for a in args] +
                        [f"{k}={type(v).__name__}" for k, v in kw.items()])
        raise TypeError(f"randint() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (int high, tuple of ints size, *, "
                        "torch.Generator generator, Tensor out = None, torch.dtype dtype = None, "
                        "torch.layout layout = None, torch.device device = None, bool pin_memory "
                        "= False, bool requires_grad = False)\n * (int low, int high, tuple of "
                        "ints size, *, torch.Generator generator, Tensor out = None, torch.dtype "
                        "dtype = None, torch.layout layout = None, torch.device device = None, "
                        "bool pin_memory = False, bool requires_grad = False)\n")
    bound.update(kw)
    low = _as_index(bound["low"], "randint", "low", 1) if total == 3 else 0
    high = _as_index(bound["high"], "randint", "high", names.index("high") + 1)
    size = bound["size"]
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' (position {len(names)}) must be tuple of "
                        f"ints, not {type(size).__name__}")
    _check_int64(low, high)
    _check_generator("randint", args, generator)
    shape = _parse_size((tuple(size),), "randint")
    t = _target("randint", shape, dtype, D.int64, out)
    _random_from_to(t._array, t._dtype, low, high, _gen(generator))
    t._bump_version()
    return _finish(t, out, requires_grad, device)


def _like(input, dtype, memory_format):
    return _late.empty_like(input, dtype=dtype,
                            memory_format=_PRESERVE if memory_format is None else memory_format)


def _like_finish(t, requires_grad, device):
    t._vc = None
    return _late.finish(t, requires_grad,
                        _late.check_device(device) if device is not None else None)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    """Uniform [0, 1) samples shaped (and strided) like ``input``."""
    t = _like(input, dtype, memory_format)
    uniform_(t, 0, 1, generator=generator)
    return _like_finish(t, requires_grad, device)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    """Standard normal samples shaped (and strided) like ``input``."""
    t = _like(input, dtype, memory_format)
    normal_(t, 0, 1, generator=generator)
    return _like_finish(t, requires_grad, device)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    """Integers in [low, high) shaped like ``input`` (``randint_like(x, high)`` too)."""
    if high is None:
        low, high = 0, low
    low = _as_index(low, "randint_like", "low")
    high = _as_index(high, "randint_like", "high")
    t = _like(input, dtype, memory_format)
    _random_from_to(t._array, t._dtype, low, high, _gen(generator))
    t._bump_version()
    return _like_finish(t, requires_grad, device)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             pin_memory=False, requires_grad=False):
    """A random permutation of ``0 .. n-1``.

    >>> ember.manual_seed(0); ember.randperm(5)
    tensor([4, 0, 1, 3, 2])
    """
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    n = n.__index__()
    _check_int64(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    t = _target("randperm", (n,), dtype, D.int64, out)
    dt = t._dtype
    if dt is D.bool_ or dt.is_complex or dt.np is None:
        raise _not_impl("randperm", dt)
    top = n - 1 if n > 0 else n
    if not dt.is_floating_point:
        lo, hi = _int_bounds(dt) if dt is not D.uint64 else (0, _M64)
        if not lo <= top <= hi:
            raise RuntimeError(f"value cannot be converted to type {dt.name}_t without overflow")
    limits = {"float16": ((1 << 11) + 1, "2049", "Half"),
              "float32": ((1 << 24) + 1, "2^24+1", "Float"),
              "float64": ((1 << 53) + 1, "2^53+1", "Double")}
    if dt.name in limits and n > limits[dt.name][0]:
        _, txt, nm = limits[dt.name]
        raise RuntimeError(f"n cannot be greater than {txt} for {nm} type.")
    perm = _randperm_values(n, _gen(generator))
    _fill(t._array, _from_int64(perm, dt))
    t._bump_version()
    return _finish(t, out, requires_grad, device)


_SWAPS_VECTOR_MIN = 256


def _apply_swaps(js, n):
    """``r = arange(n); for i: swap(r[i], r[js[i]])`` (js[i] >= i) without a Python loop.

    Position i is final after step i. Let A[i] be the value at position i just before step i:
    position i was last written by the latest earlier step k with js[k] == i (it received
    A[k]), so A[i] = A[k], or i if there is none; following these links to their roots gives A
    (pointer jumping). Then the result at i is what sat at js[i] before step i: A[i] when
    js[i] == i, else A[k] for the latest earlier step k with the same partner, else js[i].
    """
    j = np.empty(n, dtype=np.int64)
    j[:n - 1] = js
    j[n - 1] = n - 1                        # the last position takes no step
    idx = np.arange(n, dtype=np.int64)
    # steps grouped by partner, in step order (n < 2**28 on this path: pack into one int64)
    key = np.sort((j << 28) | idx)
    sj = key >> 28
    order = key & ((1 << 28) - 1)
    same = sj[1:] == sj[:-1]
    prev = np.full(n, -1, dtype=np.int64)   # previous step with the same partner
    prev[order[1:][same]] = order[:-1][same]
    last_in_group = np.ones(n, dtype=bool)
    last_in_group[:-1] = ~same
    k = np.full(n, -1, dtype=np.int64)      # latest step whose partner is i ...
    k[sj[last_in_group]] = order[last_in_group]
    self_swap = k == idx                    # ... strictly before step i
    k[self_swap] = prev[self_swap]
    root = np.where(k >= 0, k, idx)
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    return np.where(j == idx, root, np.where(prev >= 0, root[np.maximum(prev, 0)], j))


def _randperm_values(n, g):
    """The permutation PyTorch's CPU randperm draws (5.3), as int64."""
    if n < _RANDPERM_SMALL:
        if n <= 1:
            return np.arange(n, dtype=np.int64)
        w = g._words(n - 1)
        # swap partner of step i: i + (w_i mod (n - i))
        js = (w % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
        js += np.arange(n - 1, dtype=np.int64)
        if n >= _SWAPS_VECTOR_MIN:
            return _apply_swaps(js, n)
        r = list(range(n))
        for i, j in enumerate(js.tolist()):
            r[i], r[j] = r[j], r[i]
        return np.fromiter(r, np.int64, count=n)
    # inside-out Fisher-Yates: for i: z = W_i mod (i + 1); r[i] = r[z]; r[z] = i
    z = np.empty(n, dtype=np.int64)
    for start in range(0, n, _WORD_CHUNK):
        k = min(_WORD_CHUNK, n - start)
        z[start:start + k] = g._words64(k) % np.arange(start + 1, start + k + 1, dtype=np.uint64)
    return _inside_out(z, n)


_PACK_BITS = 63


def _group_steps(z, n):
    """Steps sorted by partner then step: (partners, steps) in that order."""
    idx = np.arange(n, dtype=np.int64)
    sh = max(n.bit_length(), 1)
    if 2 * sh <= _PACK_BITS:
        key = np.sort((z << sh) | idx)
        return key >> sh, key & ((1 << sh) - 1)
    order = np.lexsort((idx, z))
    return z[order], order


def _inside_out(z, n):
    """The permutation of ``for i: r[i] = r[z[i]]; r[z[i]] = i`` (z[i] <= i), vectorised.

    Value i enters at step i at position z[i]; from a position p it moves on at the first later
    step k whose partner is p, to position k. Following "first later step with partner k" links
    from step k to their roots (pointer jumping) gives every value's final position.
    """
    idx = np.arange(n, dtype=np.int64)
    sz, order = _group_steps(z, n)
    same = sz[1:] == sz[:-1]
    nxt = np.full(n, -1, dtype=np.int64)            # next step with the same partner
    nxt[order[:-1][same]] = order[1:][same]
    first = np.ones(n, dtype=bool)
    first[1:] = ~same
    succ = np.full(n, -1, dtype=np.int64)           # first step after k with partner k
    succ[sz[first]] = order[first]
    own = succ == idx
    succ[own] = nxt[own]
    root = np.where(succ >= 0, succ, idx)
    while True:
        deeper = root[root]
        if np.array_equal(deeper, root):
            break
        root = deeper
    final = np.where(nxt >= 0, root[np.maximum(nxt, 0)], z)
    r = np.empty(n, dtype=np.int64)
    r[final] = idx
    return r


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples: ``bernoulli(probs)``, or ``bernoulli(x, p)`` with a float ``p`` (x's shape).

    >>> ember.manual_seed(0); ember.bernoulli(ember.full((4,), 0.5))
    tensor([1., 0., 1., 1.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if isinstance(p, Tensor) or (p is not None and out is not None):
        got = ", ".join(["Tensor", type(p).__name__ if not isinstance(p, Tensor) else "Tensor"]
                        + (["out=Tensor"] if out is not None else []))
        raise TypeError(f"bernoulli() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (Tensor input, *, torch.Generator generator = "
                        "None, Tensor out = None)\n * (Tensor input, float p, *, torch.Generator "
                        "generator = None)\n")
    # NOTE: both forms allocate row-major (LEGACY_CONTIGUOUS), unlike dropout's preserve_format
    if p is not None:
        t = make_tensor(np.empty(input._array.shape, dtype=input._dtype.np), input._dtype)
        saved, _GRAD.enabled = _GRAD.enabled, False
        try:
            bernoulli_(t, p, generator=generator)
        finally:
            _GRAD.enabled = saved
        _fresh(t)
        if _GRAD.enabled and input._requires_grad:
            _late.record_node(_late.node_class("NotImplemented"), (input,), t,
                              {"op": "aten::bernoulli"})
        return t
    probs = input
    if out is not None:
        if not isinstance(out, Tensor):
            raise TypeError(f"bernoulli(): argument 'out' must be Tensor, not {type(out).__name__}")
        if tuple(out._array.shape) != tuple(input._array.shape):
            out._array = np.empty(input._array.shape, dtype=out._dtype.np)
        return bernoulli_(out, probs, generator=generator)
    t = make_tensor(np.empty(input._array.shape, dtype=input._dtype.np), input._dtype)
    saved, _GRAD.enabled = _GRAD.enabled, False
    try:
        bernoulli_(t, probs, generator=generator)
    finally:
        _GRAD.enabled = saved
    return _record_sampler("BernoulliBackward0", _fresh(t), (input,))


def _tensor_bernoulli(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices sampled from rows of (unnormalised) probabilities.

    >>> ember.manual_seed(0); ember.multinomial(ember.tensor([0.1, 0.2, 0.7]), 2)
    tensor([2, 1])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    k = _as_index(num_samples, "multinomial", "num_samples")
    nd = input._array.ndim
    if not 0 < nd <= 2:
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    dt = input._dtype
    if not dt.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{dt.scalar_name}")
    if out is not None and out._dtype is not D.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {out._dtype.scalar_name}")
    if k <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    ncat = input._array.shape[-1]
    if not replacement and k > ncat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if ncat > (1 << 24):
        raise RuntimeError("number of categories cannot exceed 2^24")
    g = _gen(generator)
    p = _host(input._array)
    rows = p.reshape(p.shape[0] if nd == 2 else 1, ncat)
    if not replacement or k == 1:
        res = _multinomial_gumbel(input, p, rows, k, g)
    else:
        res = _multinomial_replacement(rows, k, dt, g)
    res = res.reshape((k,) if nd == 1 else (rows.shape[0], k))
    if out is not None:
        out._array = res
        out._bump_version()
        return out
    return make_tensor(res, D.int64)


def _multinomial_gumbel(input, p, rows, k, g):
    if p.size:
        pf = p.astype(np.float64) if p.dtype != np.float64 else p
        if not (np.nanmax(pf) < math.inf and pf.min() >= 0) or np.isnan(pf).any():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (pf.reshape(rows.shape).sum(axis=1) == 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    elif p.ndim == 1:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    dt = input._dtype
    q = _like(input, None, None)          # empty_like: drawn in p's memory order
    if q._array.size:
        _fill(q._array, _from_double(_exponential_values(g, q._array.size, 1.0), dt))
    with np.errstate(divide="ignore", invalid="ignore"):
        key = (p / q._array).reshape(rows.shape)
    if k == 1:
        return np.argmax(key, axis=1).astype(np.int64).reshape(-1, 1)
    # topk(key, k): descending keys; rows where the top k + 1 keys tie (typically categories of
    # probability 0) or hold NaN replay PyTorch's tie order
    keyf = key.astype(np.float64)
    full = np.argsort(-keyf, axis=1, kind="stable")
    order = full[:, :k].astype(np.int64)
    top = np.take_along_axis(keyf, full[:, :k + 1], axis=1)
    tied = (top[:, :-1] == top[:, 1:]).any(axis=1) | np.isnan(keyf).any(axis=1)
    for r in np.nonzero(tied)[0].tolist():
        order[r] = _stl_topk_largest(keyf[r].tolist(), k)
    return order


# ---- topk's tie order: libstdc++'s sorting algorithms (std::sort, nth_element, partial_sort) --
# NOTE: only rows whose top keys tie need this; everything else takes NumPy's argsort.
_stl_THRESH = 16

def _stl_lg(n):
    return n.bit_length() - 1

def _stl_make_comp():
    def comp(x, y):
        a, b = x[0], y[0]
        return (a != a and b == b) or a > b
    return comp

def _stl_insertion_sort(v, first, last, comp):
    if first == last:
        return
    for i in range(first + 1, last):
        if comp(v[i], v[first]):
            val = v[i]
            v[first + 1:i + 1] = v[first:i]
            v[first] = val
        else:
            _stl_unguarded_linear_insert(v, i, comp)

def _stl_unguarded_linear_insert(v, last, comp):
    val = v[last]
    nxt = last - 1
    while comp(val, v[nxt]):
        v[last] = v[nxt]
        last = nxt
        nxt -= 1
    v[last] = val

def _stl_unguarded_insertion_sort(v, first, last, comp):
    for i in range(first, last):
        _stl_unguarded_linear_insert(v, i, comp)

def _stl_final_insertion_sort(v, first, last, comp):
    if last - first > _stl_THRESH:
        _stl_insertion_sort(v, first, first + _stl_THRESH, comp)
        _stl_unguarded_insertion_sort(v, first + _stl_THRESH, last, comp)
    else:
        _stl_insertion_sort(v, first, last, comp)

def _stl_move_median_to_first(v, result, a, b, c, comp):
    if comp(v[a], v[b]):
        if comp(v[b], v[c]):
            v[result], v[b] = v[b], v[result]
        elif comp(v[a], v[c]):
            v[result], v[c] = v[c], v[result]
        else:
            v[result], v[a] = v[a], v[result]
    elif comp(v[a], v[c]):
        v[result], v[a] = v[a], v[result]
    elif comp(v[b], v[c]):
        v[result], v[c] = v[c], v[result]
    else:
        v[result], v[b] = v[b], v[result]

def _stl_unguarded_partition(v, first, last, pivot, comp):
    while True:
        while comp(v[first], v[pivot]):
            first += 1
        last -= 1
        while comp(v[pivot], v[last]):
            last -= 1
        if not first < last:
            return first
        v[first], v[last] = v[last], v[first]
        first += 1

def _stl_unguarded_partition_pivot(v, first, last, comp):
    mid = first + (last - first) // 2
    _stl_move_median_to_first(v, first, first + 1, mid, last - 1, comp)
    return _stl_unguarded_partition(v, first + 1, last, first, comp)

def _stl_push_heap(v, first, hole, top, value, comp):
    parent = (hole - 1) // 2
    while hole > top and comp(v[first + parent], value):
        v[first + hole] = v[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    v[first + hole] = value

def _stl_adjust_heap(v, first, hole, length, value, comp):
    top = hole
    second = hole
    while second < (length - 1) // 2:
        second = 2 * (second + 1)
        if comp(v[first + second], v[first + second - 1]):
            second -= 1
        v[first + hole] = v[first + second]
        hole = second
    if (length & 1) == 0 and second == (length - 2) // 2:
        second = 2 * (second + 1)
        v[first + hole] = v[first + second - 1]
        hole = second - 1
    _stl_push_heap(v, first, hole, top, value, comp)

def _stl_make_heap(v, first, last, comp):
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        value = v[first + parent]
        _stl_adjust_heap(v, first, parent, length, value, comp)
        if parent == 0:
            return
        parent -= 1

def _stl_pop_heap(v, first, last, result, comp):
    value = v[result]
    v[result] = v[first]
    _stl_adjust_heap(v, first, 0, last - first, value, comp)

def _stl_heap_select(v, first, middle, last, comp):
    _stl_make_heap(v, first, middle, comp)
    for i in range(middle, last):
        if comp(v[i], v[first]):
            _stl_pop_heap(v, first, middle, i, comp)

def _stl_sort_heap(v, first, last, comp):
    while last - first > 1:
        last -= 1
        _stl_pop_heap(v, first, last, last, comp)

def _stl_partial_sort(v, first, middle, last, comp):
    _stl_heap_select(v, first, middle, last, comp)
    _stl_sort_heap(v, first, middle, comp)

def _stl_introsort_loop(v, first, last, depth, comp):
    while last - first > _stl_THRESH:
        if depth == 0:
            _stl_partial_sort(v, first, last, last, comp)
            return
        depth -= 1
        cut = _stl_unguarded_partition_pivot(v, first, last, comp)
        _stl_introsort_loop(v, cut, last, depth, comp)
        last = cut

def _stl_sort(v, first, last, comp):
    if first != last:
        _stl_introsort_loop(v, first, last, _stl_lg(last - first) * 2, comp)
        _stl_final_insertion_sort(v, first, last, comp)

def _stl_introselect(v, first, nth, last, depth, comp):
    while last - first > 3:
        if depth == 0:
            _stl_heap_select(v, first, nth + 1, last, comp)
            v[first], v[nth] = v[nth], v[first]
            return
        depth -= 1
        cut = _stl_unguarded_partition_pivot(v, first, last, comp)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _stl_insertion_sort(v, first, last, comp)

def _stl_nth_element(v, first, nth, last, comp):
    if first == last or nth == last:
        return
    _stl_introselect(v, first, nth, last, _stl_lg(last - first) * 2, comp)

def _stl_topk_largest(values, k):
    """Indices of the k largest values in the order PyTorch's CPU topk returns them (ties
    included): libstdc++'s partial_sort when k * 64 <= n, else nth_element then sort of the
    first k - 1; NaN counts as largest."""
    n = len(values)
    v = [(x, i) for i, x in enumerate(values)]
    comp = _stl_make_comp()
    if k * 64 <= n:
        _stl_partial_sort(v, 0, k, n, comp)
    else:
        _stl_nth_element(v, 0, k - 1, n, comp)
        _stl_sort(v, 0, k - 1, comp)
    return [i for _, i in v[:k]]


def _multinomial_replacement(rows, k, dt, g):
    nrows, ncat = rows.shape
    acc = np.float64 if dt is D.float64 else np.float32
    out = np.empty((nrows, k), dtype=np.int64)
    for i in range(nrows):
        row = rows[i].astype(acc)
        if (row < 0).any():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                               "< 0)")
        if not np.isfinite(row).all():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                               "= infinity or NaN)")
        cum = np.cumsum(row, dtype=acc)
        total = cum[-1] if ncat else acc(0)
        if not total > 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        cum = (cum / total).astype(acc)
        cum[-1] = 1
        u = g._u53(k)
        # binary search: first index with cum >= u (compared in double)
        out[i] = np.searchsorted(cum.astype(np.float64), u, side="left")
    return out


def _tensor_multinomial(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


def normal(mean=None, std=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, pin_memory=False, requires_grad=False):
    """Normal samples: ``normal(mean, std, size)`` with floats, or with tensor mean and/or std.

    >>> ember.manual_seed(0); ember.normal(2.0, 3.0, (2,))
    tensor([6.6230, 1.1197])
    """
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if size is not None or not (mt or st):
        if mt or st or mean is None or std is None or size is None:
            raise TypeError(_normal_sig_error(mean, std, size))
        shape = _parse_size((size,) if not isinstance(size, (tuple, list)) else (tuple(size),),
                            "normal")
        t = _target("normal", shape, dtype, D.get_default_dtype(), out)
        normal_(t, float(mean), float(std), generator=generator)
        return _finish(t, out, requires_grad, device)
    g = generator
    saved, _GRAD.enabled = _GRAD.enabled, False      # the arithmetic below is not recorded
    try:
        if mt and not st:
            s = 1.0 if std is None else float(std)
            if not s >= 0.0:
                raise RuntimeError(f"normal expects std >= 0.0, but found std {_cfmt(s)}")
            t = _normal_target(out, mean._array.shape, mean._dtype)
            normal_(t, 0.0, s, generator=g)
            t.add_(mean)
            node, inputs = "NormalBackward1", (mean,)
        elif st and not mt:
            _check_std_tensor(std)
            t = _normal_target(out, std._array.shape, std._dtype)
            normal_(t, 0.0, 1.0, generator=g)
            t.mul_(std).add_(float(mean))
            node, inputs = "NormalBackward2", (std,)
        else:
            _check_std_tensor(std)
            shape = _late.broadcast_shapes2(tuple(mean._array.shape), tuple(std._array.shape))
            t = _normal_target(out, shape, mean._dtype)
            normal_(t, 0.0, 1.0, generator=g)
            t.mul_(std).add_(mean)
            node, inputs = "NormalBackward3", (mean, std)
    finally:
        _GRAD.enabled = saved
    if out is None:
        _record_sampler(node, _fresh(t), inputs)
    return t


def _normal_target(out, shape, dt):
    if out is not None:
        if tuple(out._array.shape) != tuple(shape):
            out._array = np.empty(shape, dtype=out._dtype.np)
        return out
    return make_tensor(np.empty(shape, dtype=dt.np), dt)


def _check_std_tensor(std):
    a = _host(std._array)
    if a.size and not (a >= 0).all():
        raise RuntimeError("normal expects all elements of std >= 0.0")


def _normal_sig_error(mean, std, size):
    got = ", ".join(type(x).__name__ if not isinstance(x, Tensor) else "Tensor"
                    for x in (mean, std, size) if x is not None)
    return (f"normal() received an invalid combination of arguments - got ({got}), but expected "
            "one of:\n * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out "
            "= None)\n * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor "
            "out = None)\n * (float mean, Tensor std, *, torch.Generator generator = None, Tensor "
            "out = None)\n * (float mean, float std, tuple of ints size, *, torch.Generator "
            "generator = None, Tensor out = None, torch.dtype dtype = None, torch.layout layout = "
            "None, torch.device device = None, bool pin_memory = False, bool requires_grad = "
            "False)\n")


def poisson(input, generator=None):
    """Poisson samples with the given rates (PyTorch's CPU sampler, element by element).

    >>> ember.manual_seed(0); ember.poisson(ember.tensor([1.0, 20.0]))
    tensor([ 2., 28.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    dt = input._dtype
    if not dt.is_floating_point or dt in D.FLOAT8_DTYPES:
        raise _not_impl("poisson_cpu", dt)
    g = _gen(generator)
    rates = _host(input._array).astype(np.float64).reshape(-1).tolist()   # row-major (ret order)
    if not all(r >= 0 for r in rates):      # NaN fails too
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    vals = _poisson_values(rates, g)
    res = _from_int64(np.array(vals, dtype=np.int64), dt).reshape(input._array.shape)
    return _record_sampler("PoissonBackward0", make_tensor(res, dt), (input,))


class _UniformStream:
    """Sequential u53 draws for samplers with data-dependent consumption: words are fetched
    ahead in chunks, then the generator is rewound and advanced by exactly what was used."""

    def __init__(self, g, chunk=256):
        self.g = g
        self.snap = g._snapshot()
        self.buf = []
        self.pos = 0
        self.chunk = chunk

    def __call__(self):
        if self.pos == len(self.buf):
            self.buf.extend(self.g._u53(self.chunk).tolist())
            self.chunk = min(self.chunk * 2, 1 << 16)
        v = self.buf[self.pos]
        self.pos += 1
        return v

    def close(self):
        self.g._restore(self.snap)
        if self.pos:
            self.g._words(2 * self.pos)


def _poisson_values(rates, g):
    stream = _UniformStream(g)
    out = []
    log, exp, sqrt, floor, lgamma = math.log, math.exp, math.sqrt, math.floor, _libm_lgamma()
    try:
        for lam in rates:
            if lam >= 10:
                slam = sqrt(lam)
                loglam = log(lam)
                b = 0.931 + 2.53 * slam
                a = -0.059 + 0.02483 * b
                invalpha = 1.1239 + 1.1328 / (b - 3.4)
                vr = 0.9277 - 3.6224 / (b - 2)
                while True:
                    U = stream() - 0.5
                    V = stream()
                    us = 0.5 - abs(U)
                    kf = floor((2 * a / us + b) * U + lam + 0.43) if math.isfinite(
                        (2 * a / us + b) * U + lam + 0.43) else math.nan
                    k = int(kf) if math.isfinite(kf) and -2.0 ** 63 <= kf < 2.0 ** 63 else _INT64_MIN
                    if us >= 0.07 and V <= vr:
                        out.append(k)
                        break
                    if k < 0 or (us < 0.013 and V > us):
                        continue
                    lhs = (log(V) if V > 0 else -math.inf) + log(invalpha) - log(a / (us * us) + b)
                    if lhs <= -lam + k * loglam - lgamma(float(k) + 1):
                        out.append(k)
                        break
            elif lam == 0:
                out.append(0)
            else:
                enlam = exp(-lam) if lam == lam else math.nan
                x = 0
                prod = 1.0
                while True:
                    prod *= stream()
                    if prod > enlam:
                        x += 1
                    else:
                        out.append(x)
                        break
    finally:
        stream.close()
    return out


# =============================================================================================
# Tensor methods
# =============================================================================================
def _bind():
    for name, fn in (("uniform_", uniform_), ("normal_", normal_), ("random_", random_),
                     ("exponential_", exponential_), ("geometric_", geometric_),
                     ("cauchy_", cauchy_), ("log_normal_", log_normal_),
                     ("bernoulli_", bernoulli_), ("bernoulli", _tensor_bernoulli),
                     ("multinomial", _tensor_multinomial)):
        setattr(Tensor, name, fn)


_bind()
