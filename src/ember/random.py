"""PyTorch's CPU random generator (Mersenne Twister) and the sampling functions.

NOTE: minimal version; the bit-exact transforms are being written (see the RNG issue).
"""
import numpy as np

from . import _dtype as D
from ._tensor import make_tensor, Tensor

_MASK32 = 0xFFFFFFFF


def _init_genrand(seed):
    key = np.empty(624, np.uint32)
    s = seed & _MASK32
    key[0] = s
    for j in range(1, 624):
        s = (1812433253 * (s ^ (s >> 30)) + j) & _MASK32
        key[j] = s
    return key


class Generator:
    """A random number generator producing PyTorch's CPU streams."""

    def __init__(self, device="cpu"):
        self._bitgen = np.random.MT19937()
        self.manual_seed(67280421310721)

    @property
    def device(self):
        from ._device import CPU
        return CPU

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < -2 ** 63 or seed >= 2 ** 64:
            raise ValueError("Overflow when unpacking long long")
        seed &= 0xFFFFFFFFFFFFFFFF
        self._initial_seed = seed
        self._bitgen.state = {"bit_generator": "MT19937",
                              "state": {"key": _init_genrand(seed), "pos": 624}}
        self._normal_cache = None
        return self

    def initial_seed(self):
        return self._initial_seed

    def seed(self):
        import os
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def _words(self, n):
        return self._bitgen.random_raw(n).astype(np.uint64)


default_generator = Generator()
default_generator.seed()


def _gen(generator):
    return generator if generator is not None else default_generator


def manual_seed(seed):
    """Seed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def _size(size):
    from ._ops.creation import parse_size
    return parse_size(size, "rand")


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False):
    """Uniform [0, 1) samples."""
    from ._ops.creation import finish, check_device
    shape = _size(size)
    dt = dtype or D.get_default_dtype()
    n = int(np.prod(shape)) if shape else 1
    g = _gen(generator)
    if dt is D.float64:
        w = g._words(2 * n).reshape(-1, 2) if n else np.zeros((0, 2), np.uint64)
        W = (w[:, 0] << np.uint64(32)) | w[:, 1]
        vals = (W & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
    else:
        w = g._words(n)
        vals = (w & np.uint64(0xFFFFFF)).astype(np.float64) * 2.0 ** -24
    t = make_tensor(vals.astype(dt.np).reshape(shape), dt)
    return finish(t, requires_grad, check_device(device))


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
          layout=None, pin_memory=False):
    """Standard normal samples (Box-Muller on the generator's stream)."""
    from ._ops.creation import finish, check_device
    shape = _size(size)
    dt = dtype or D.get_default_dtype()
    n = int(np.prod(shape)) if shape else 1
    g = _gen(generator)
    m = (n + 1) // 2
    w = g._words(2 * m)
    u1 = 1.0 - (w[:m] & np.uint64(0xFFFFFF)).astype(np.float64) * 2.0 ** -24
    u2 = (w[m:] & np.uint64(0xFFFFFF)).astype(np.float64) * 2.0 ** -24
    r = np.sqrt(-2.0 * np.log(u1))
    vals = np.concatenate([r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)])[:n]
    t = make_tensor(vals.astype(dt.np).reshape(shape), dt)
    return finish(t, requires_grad, check_device(device))


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False, out=None, layout=None, pin_memory=False):
    """Uniform integers in [low, high)."""
    from ._ops.creation import finish, check_device
    if high is None:
        low, high = 0, low
    shape = tuple(size)
    dt = dtype or D.int64
    n = int(np.prod(shape)) if shape else 1
    rng = high - low
    g = _gen(generator)
    if rng >= 2 ** 28:
        w = g._words(2 * n).reshape(-1, 2)
        W = (w[:, 0] << np.uint64(32)) | w[:, 1]
    else:
        W = g._words(n)
    vals = (W % np.uint64(rng)).astype(np.int64) + low
    t = make_tensor(vals.astype(dt.np).reshape(shape), dt)
    return finish(t, requires_grad, check_device(device))


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None,
             layout=None, pin_memory=False):
    """A random permutation of 0..n-1."""
    dt = dtype or D.int64
    g = _gen(generator)
    r = np.arange(n, dtype=np.int64)
    if n > 1:
        w = g._words(n - 1)
        for i in range(n - 1):
            z = int(w[i]) % (n - i)
            r[i], r[i + z] = r[i + z], r[i]
    return make_tensor(r.astype(dt.np), dt)
