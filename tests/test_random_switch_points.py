"""Issue 6's random functions against PyTorch, bit for bit, on both sides of every size at which
PyTorch switches algorithm or the engine regenerates its state (15/16 normal paths, 624/625
words per twist, the 2**28 randint range, poisson's rate 10, multinomial's k = 1), for float32
and float64, through the default generator and a ``generator=`` argument; the values and both
generators' 5056 state bytes must match."""
import warnings

import numpy as np
import pytest

import ember
import torch

from test_random import same_results

SIZES = (1, 15, 16, 17, 33, 624, 625, 4099)


def check(fn, seeds=(0, 7)):
    for s in seeds:
        res = []
        for m in (torch, ember):
            m.manual_seed(s)
            g = m.Generator().manual_seed(s + 1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                vals = fn(m, g)
            res.append((vals, bytes(m.get_rng_state().numpy()), bytes(g.get_state().numpy())))
        same_results(res[1][0], res[0][0], f"seed={s}")
        assert res[0][1] == res[1][1], f"seed={s}: default generator states differ"
        assert res[0][2] == res[1][2], f"seed={s}: generator= states differ"


def dt(m, name):
    return getattr(m, name)


TABLE = {
    "randn": lambda m, g, n, d: (m.randn(n, dtype=d), m.randn(n, dtype=d, generator=g)),
    "rand": lambda m, g, n, d: (m.rand(n, dtype=d), m.rand(n, dtype=d, generator=g)),
    "normal_": lambda m, g, n, d: (m.empty(n, dtype=d).normal_(2, 3),
                                   m.empty(n, dtype=d).normal_(-1, 0.5, generator=g)),
    "uniform_": lambda m, g, n, d: (m.empty(n, dtype=d).uniform_(-2, 3),
                                    m.empty(n, dtype=d).uniform_(generator=g)),
    "exponential_": lambda m, g, n, d: (m.empty(n, dtype=d).exponential_(1.5),
                                        m.empty(n, dtype=d).exponential_(generator=g)),
    "geometric_": lambda m, g, n, d: (m.empty(n, dtype=d).geometric_(0.3),
                                      m.empty(n, dtype=d).geometric_(0.9, generator=g)),
    "log_normal_": lambda m, g, n, d: (m.empty(n, dtype=d).log_normal_(0.5, 0.7),
                                       m.empty(n, dtype=d).log_normal_(generator=g)),
    "cauchy_": lambda m, g, n, d: (m.empty(n, dtype=d).cauchy_(1.0, 2.0),
                                   m.empty(n, dtype=d).cauchy_(generator=g)),
    "bernoulli_": lambda m, g, n, d: (m.empty(n, dtype=d).bernoulli_(0.3),
                                      m.empty(n, dtype=d).bernoulli_(
                                          m.full((n,), 0.6, dtype=d), generator=g)),
    "random_": lambda m, g, n, d: (m.empty(n, dtype=d).random_(),
                                   m.empty(n, dtype=d).random_(10, generator=g),
                                   m.empty(n, dtype=d).random_(-5, 1 << 30)),
    "bernoulli": lambda m, g, n, d: (m.bernoulli(m.linspace(0, 1, n, dtype=d)),
                                     m.bernoulli(m.linspace(0, 1, n, dtype=d), generator=g),
                                     m.bernoulli(m.zeros(n, dtype=d), 0.4)),
    "normal": lambda m, g, n, d: (m.normal(m.arange(n, dtype=d), 2.0),
                                  m.normal(1.0, m.ones(n, dtype=d), generator=g),
                                  m.normal(m.zeros(n, dtype=d), m.ones(n, dtype=d)),
                                  m.normal(0.5, 2.0, (n,), dtype=d, generator=g)),
    "likes": lambda m, g, n, d: (m.rand_like(m.zeros(n, dtype=d)),
                                 m.randn_like(m.zeros(n, 2, dtype=d).t()),
                                 m.randn_like(m.zeros(n, dtype=d), generator=g),
                                 m.randint_like(m.zeros(n, dtype=d), 3, 10),
                                 m.randint_like(m.zeros(n, dtype=d), 1 << 29, generator=g)),
    "poisson": lambda m, g, n, d: (m.poisson(m.linspace(0, 30, n, dtype=d)),
                                   m.poisson(m.full((n,), 9.99, dtype=d), generator=g),
                                   m.poisson(m.full((n,), 10.0, dtype=d))),
    "multinomial": lambda m, g, n, d: (
        m.multinomial(m.linspace(0.1, 1, min(n, 700), dtype=d), min(n, 50)),
        m.multinomial(m.linspace(0.1, 1, min(n, 700), dtype=d), 77, replacement=True,
                      generator=g),
        m.multinomial(m.rand(3, n % 50 + 2, dtype=d), 1, generator=g),
        m.multinomial(m.rand(3, n % 50 + 2, dtype=d), 5, True)),
}


@pytest.mark.parametrize("name", sorted(TABLE))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_table(name, dtype):
    for n in SIZES:
        check(lambda m, g: TABLE[name](m, g, n, dt(m, dtype)))


@pytest.mark.parametrize("n", [1, 2, 16, 100, 624, 625])
def test_integers(n):
    check(lambda m, g: (m.randint(0, 1 << 28, (n,)), m.randint(-3, (1 << 28) - 4, (n,), generator=g),
                        m.randperm(n), m.randperm(n, generator=g),
                        m.randint(5, (n,), dtype=m.int32, generator=g)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_draws(dtype):
    # a million normals (the vectorised block kernel on a million uniforms) and uniforms
    check(lambda m, g: (m.randn(1_000_003, dtype=dt(m, dtype)),
                        m.rand(1_000_003, dtype=dt(m, dtype), generator=g)), seeds=(3,))


def test_single_block_normals_many_seeds():
    # 16..31 normals take the one-block kernel (Python floats): many seeds, both block passes
    for n in (16, 17, 31):
        check(lambda m, g: (m.randn(n), m.randn(n, generator=g)), seeds=range(40))


def test_state_bytes_cross_load_with_cached_normal():
    # a state saved by either library (mid-stream, with a cached Box-Muller value) loads in the
    # other and continues the same stream
    for src, dst in ((torch, ember), (ember, torch)):
        src.manual_seed(11)
        src.randn(7)                            # leaves a cached normal
        st = src.get_rng_state().numpy().copy()
        dst.set_rng_state(dst.from_numpy(st))
        a = dst.randn(5)
        src.set_rng_state(src.from_numpy(st))
        b = src.randn(5)
        assert a.numpy().tobytes() == b.numpy().tobytes()
        with dst.random.fork_rng():
            dst.rand(3)
        assert bytes(dst.get_rng_state().numpy()) == bytes(src.get_rng_state().numpy())


def test_double_log_is_libm():
    # the float64 normal kernel takes libm's log from a long double log rounded to double
    # (math.log near midpoints): it must equal math.log (PyTorch's libm) bit for bit
    import math
    import ember.random as R
    rng = np.random.default_rng(5)
    x = np.concatenate([1.0 - rng.random(100_000), rng.random(2000) * 1e-300,
                        1 - rng.random(2000) * 1e-12, [0.0, -1.0, np.nan, np.inf, 1.0, 5e-324]])
    ref = np.array([math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)
                    for v in x.tolist()])
    got = R._log(x)
    assert np.array_equal(got.view(np.uint64), ref.view(np.uint64)) or np.array_equal(
        got, ref, equal_nan=True)


def test_factories_count_no_version():
    # PyTorch's random factories fill their own result without bumping its version counter;
    # out= and in-place samplers do bump it
    def versions(m):
        x = m.zeros(3)
        made = [m.rand(3), m.randn(2, 3), m.randn(20), m.rand(2, dtype=m.float64),
                m.randint(5, (3,)), m.randperm(4), m.normal(0.0, 1.0, (3,)), m.rand_like(x),
                m.randn_like(x), m.randint_like(x, 3), m.bernoulli(x), m.bernoulli(x, 0.5),
                m.multinomial(x + 1, 2), m.poisson(x), m.normal(x, 1.0), m.normal(1.0, x + 1),
                m.normal(x, x + 1), m.rand(0), m.randn(3, 0)]
        return [t._version for t in made] + [m.rand(3, out=x)._version, x.uniform_()._version]
    check(lambda m, g: versions(m))
