"""ember.random against PyTorch's CPU generator, bit for bit.

Every case seeds both libraries the same way, runs the same call, and compares the values
bitwise (dtype, shape, strides, sign of zero, NaN) and the 5056 state bytes afterwards.
"""
import copy
import fractions
import math
import pickle
import struct
import warnings

import numpy as np
import pytest

import ember
import torch

from oracle import assert_same_exception

SEEDS = (0, 42, 2 ** 40 + 5)
FLOATS = ("float32", "float64", "float16", "bfloat16")
SIZES = (0, 1, 15, 16, 17, 33, 1000, 1003)


# ------------------------------------------------------------------------------------ helpers
def _bits(t):
    t = t.detach()
    if isinstance(t, torch.Tensor):
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.contiguous().numpy()
    if t.dtype is ember.bfloat16:
        t = t.float()
    return np.ascontiguousarray(t.numpy())


def same_tensor(e, t, where=""):
    assert isinstance(e, ember.Tensor), f"{where}: ember gave {type(e).__name__}"
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], \
        f"{where}: dtype {e.dtype} != {t.dtype}"
    assert tuple(e.shape) == tuple(t.shape), f"{where}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    if t.numel() > 1:
        assert e.stride() == t.stride(), f"{where}: strides {e.stride()} != {t.stride()}"
    assert e.requires_grad == t.requires_grad, f"{where}: requires_grad differs"
    ea, ta = _bits(e), _bits(t)
    if ea.tobytes() != ta.tobytes():
        fe, ft = ea.reshape(-1), ta.reshape(-1)
        diff = fe != ft
        if ea.dtype.kind == "f":
            diff = (diff & ~(np.isnan(fe) & np.isnan(ft))) | (np.signbit(fe) != np.signbit(ft))
        bad = np.nonzero(diff)[0]
        raise AssertionError(f"{where}: {bad.size} of {fe.size} values differ, first at "
                             f"{bad[:5].tolist()}: ember {fe[bad[:5]].tolist()} torch "
                             f"{ft[bad[:5]].tolist()}")


def state_bytes(lib, gen=None):
    st = gen.get_state() if gen is not None else lib.get_rng_state()
    return bytes(st.numpy())


def same_state(ge=None, gt=None, where=""):
    assert state_bytes(ember, ge) == state_bytes(torch, gt), f"{where}: generator states differ"


def same_results(e, t, where=""):
    if isinstance(t, torch.Tensor):
        same_tensor(e, t, where)
    elif isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for i, (a, b) in enumerate(zip(e, t)):
            same_results(a, b, f"{where}[{i}]")
    else:
        assert e == t, f"{where}: {e!r} != {t!r}"


def check(fn, seeds=SEEDS, where=""):
    """fn(lib) after manual_seed(s) in both libraries: same values, same state after."""
    for s in seeds:
        ember.manual_seed(s)
        torch.manual_seed(s)
        t = fn(torch)
        e = fn(ember)
        same_results(e, t, f"{where} seed={s}")
        same_state(where=f"{where} seed={s}")


def check_error(fn, match_message=True):
    errs = []
    for lib in (ember, torch):
        try:
            fn(lib)
        except Exception as exc:  # noqa: BLE001 - the raised exception is compared
            errs.append(exc)
        else:
            errs.append(None)
    e, t = errs
    assert t is not None, "torch did not raise"
    assert e is not None, f"ember did not raise; torch raised {type(t).__name__}: {t}"
    assert_same_exception(e, t, match_message)


def D(lib, name):
    return getattr(lib, name)


# ------------------------------------------------------------------------------------ seeding
@pytest.mark.parametrize("s", [0, 1, 5, 2 ** 31, 2 ** 32, 2 ** 32 + 7, 2 ** 40 + 5, 2 ** 64 - 1,
                               -1, -2 ** 63, 123456789])
def test_manual_seed_state_bytes(s):
    ge, gt = ember.manual_seed(s), torch.manual_seed(s)
    assert isinstance(ge, ember.Generator) and ge is ember.default_generator
    assert ember.initial_seed() == torch.initial_seed()
    same_state(where=f"after manual_seed({s})")
    same_tensor(ember.rand(5), torch.rand(5))
    same_state()


def test_low_32_bits_drive_the_stream():
    ember.manual_seed(2 ** 40 + 5)
    a = ember.rand(10)
    ember.manual_seed(5)
    assert _bits(a).tobytes() == _bits(ember.rand(10)).tobytes()


def test_generator_defaults_and_seed():
    ge, gt = ember.Generator(), torch.Generator()
    assert ge.initial_seed() == gt.initial_seed() == 67280421310721
    same_state(ge, gt)
    assert ember.Generator(device="cpu").device == ember.device("cpu")
    assert ember.Generator(ember.device("cpu")).device.type == "cpu"
    s = ember.seed()
    assert ember.initial_seed() == s and 0 <= s < 2 ** 64
    torch.manual_seed(s)
    same_state()
    g = ember.Generator()
    s2 = g.seed()
    assert g.initial_seed() == s2
    same_state(g, torch.Generator().manual_seed(s2))
    assert ember.random.initial_seed() == ember.initial_seed()


def test_manual_seed_module_converts_with_int():
    check(lambda m: (m.manual_seed(np.int64(3)).initial_seed(), m.manual_seed(2.9).initial_seed(),
                     m.manual_seed("12").initial_seed()), seeds=(0,))


@pytest.mark.parametrize("fn", [
    lambda m: m.manual_seed(2 ** 64),
    lambda m: m.manual_seed(-2 ** 63 - 1),
    lambda m: m.Generator().manual_seed(1.5),
    lambda m: m.Generator().manual_seed("1"),
    lambda m: m.Generator().manual_seed(True),
    lambda m: m.Generator().manual_seed(np.int64(3)),
    lambda m: m.Generator().manual_seed(2 ** 64),
    lambda m: m.Generator(5),
    lambda m: m.Generator("meta"),
])
def test_seed_errors(fn):
    check_error(fn)


# ------------------------------------------------------------------------------------ states
def test_state_roundtrip_with_cached_normal():
    for s in SEEDS:
        torch.manual_seed(s)
        torch.randn(7)                       # scalar path: one value stays cached
        st = torch.get_rng_state()
        ember.set_rng_state(ember.tensor(st.numpy()))
        same_state()
        same_tensor(ember.randn(3), torch.randn(3))
        same_state()
        # ember -> torch direction
        ember.manual_seed(s)
        ember.randn(5)
        torch.set_rng_state(torch.from_numpy(ember.get_rng_state().numpy().copy()))
        same_tensor(ember.randn(5), torch.randn(5))
        same_state()


@pytest.mark.parametrize("k", [1, 623, 624, 625, 1247, 1248, 1249])
def test_state_across_twists(k):
    check(lambda m: (m.randint(0, 10, (k,)), m.get_rng_state()), seeds=(3,))


@pytest.mark.parametrize("left,nxt", [(1, 5), (5, 3), (624, 0), (300, 0), (1, 0), (10, 614),
                                      (2, 100), (1, 624), (625 - 9, 9)])
def test_set_state_any_valid_position(left, nxt):
    torch.manual_seed(9)
    torch.rand(3)
    buf = bytearray(state_bytes(torch))
    struct.pack_into("<i", buf, 8, left)
    struct.pack_into("<Q", buf, 16, nxt)
    torch.set_rng_state(torch.tensor(list(buf), dtype=torch.uint8))
    ember.set_rng_state(ember.tensor(list(buf), dtype=ember.uint8))
    same_state()
    for n in (1, 2, 3, 700):
        same_tensor(ember.randint(0, 2 ** 20, (n,)), torch.randint(0, 2 ** 20, (n,)))
        same_state(where=f"left={left} next={nxt} n={n}")


def test_state_tensor_is_a_fresh_uint8_copy():
    ember.manual_seed(0)
    st = ember.get_rng_state()
    assert st.dtype is ember.uint8 and tuple(st.shape) == (5056,)
    st[0] = 99
    assert ember.get_rng_state()[0].item() == 0
    g = ember.Generator().manual_seed(1)
    assert g.set_state(ember.get_rng_state()) is g
    same_state(g, torch.Generator().manual_seed(0))


@pytest.mark.parametrize("fn", [
    lambda m: m.Generator().set_state(m.zeros(5, dtype=m.uint8)),
    lambda m: m.Generator().set_state(m.zeros(5056, dtype=m.float32)),
    lambda m: m.Generator().set_state([1, 2]),
    lambda m: m.set_rng_state(m.zeros(5056, dtype=m.uint8)),
    lambda m: m.set_rng_state(m.cat([m.manual_seed(1).get_state()[:8],
                                     m.tensor([0, 0, 0, 0, 1, 0, 0, 0], dtype=m.uint8),
                                     m.manual_seed(1).get_state()[16:]])),
    lambda m: m.set_rng_state(m.cat([m.manual_seed(1).get_state()[:8],
                                     m.tensor([1, 0, 0, 0, 0, 0, 0, 0], dtype=m.uint8),
                                     m.manual_seed(1).get_state()[16:]])),
    lambda m: m.set_rng_state(m.cat([m.manual_seed(1).get_state()[:8],
                                     m.tensor([113, 2, 0, 0, 1, 0, 0, 0], dtype=m.uint8),
                                     m.manual_seed(1).get_state()[16:]])),
])
def test_set_state_errors(fn):
    check_error(fn)


def test_generators_are_independent():
    ge, gt = ember.Generator().manual_seed(11), torch.Generator().manual_seed(11)
    ember.manual_seed(1)
    torch.manual_seed(1)
    for step in range(3):
        same_tensor(ember.randn(5, generator=ge), torch.randn(5, generator=gt), f"step {step}")
        same_tensor(ember.rand(17), torch.rand(17))
        same_tensor(ember.randn(3, generator=ge), torch.randn(3, generator=gt))
        same_tensor(ember.randperm(20, generator=ge), torch.randperm(20, generator=gt))
        same_tensor(ember.empty(4).normal_(generator=ge), torch.empty(4).normal_(generator=gt))
    same_state(ge, gt)
    same_state()


def test_generator_pickle_copy_clone_and_fork_rng():
    ge = ember.Generator().manual_seed(5)
    ember.randn(3, generator=ge)               # leaves a cached normal
    for g2 in (pickle.loads(pickle.dumps(ge)), copy.deepcopy(ge), ge.clone_state()):
        assert state_bytes(ember, g2) == state_bytes(ember, ge)
        assert g2.initial_seed() == 5
        assert _bits(ember.randn(9, generator=g2)).tobytes() == \
            _bits(ember.randn(9, generator=ge.clone_state())).tobytes()
    ember.manual_seed(0)
    with ember.random.fork_rng():
        ember.rand(10)
    torch.manual_seed(0)
    same_state()


# ------------------------------------------------------------------------------------ uniform
@pytest.mark.parametrize("dt", FLOATS + ("complex64", "complex128"))
@pytest.mark.parametrize("n", SIZES)
def test_rand(dt, n):
    check(lambda m: m.rand(n, dtype=D(m, dt)), where=f"rand({n}, {dt})")


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("a,b", [(-0.3, 2.7), (5.0, 5.0), (-1e-3, 1e-3), (-100.0, 1e4), (0.0, 1.0)])
def test_uniform_ranges(dt, a, b):
    check(lambda m: m.empty(37, dtype=D(m, dt)).uniform_(a, b), where=f"uniform_({a}, {b}) {dt}")


def test_uniform_keyword_from_to_and_sizes():
    check(lambda m: (m.empty(2, 3).uniform_(**{"from": -2, "to": 3}), m.rand((2, 3)),
                     m.rand(m.Size([4, 1])), m.rand(()), m.rand(size=(2, 2)),
                     m.rand(3, 4, dtype=m.float64, requires_grad=True)))


# ------------------------------------------------------------------------------------ normal
@pytest.mark.parametrize("dt", FLOATS + ("complex64", "complex128"))
@pytest.mark.parametrize("n", SIZES)
def test_randn_both_paths_and_cache(dt, n):
    # twice in a row: the scalar path's cached value carries over into the second call
    check(lambda m: (m.randn(n, dtype=D(m, dt)), m.randn(n, dtype=D(m, dt))),
          where=f"randn({n}, {dt})")


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("n", (3, 15, 16, 40, 1001))
def test_normal_mean_std(dt, n):
    check(lambda m: m.empty(n, dtype=D(m, dt)).normal_(0.3, 2.7), where=f"normal_ {dt} {n}")
    check(lambda m: m.empty(n, dtype=D(m, dt)).normal_(-5, 0.0), where=f"normal_ std 0 {dt} {n}",
          seeds=(1,))


def test_randn_multidim_and_boundary():
    check(lambda m: (m.randn(3, 5), m.randn(4, 4), m.randn(2, 1, 8), m.randn(1, 15),
                     m.randn(5, 3, dtype=m.float64), m.randn(()), m.randn(0, 3)))


def test_normal_sequence_mixed_with_cache():
    check(lambda m: (m.rand(3), m.randn(3), m.rand(3), m.randn(20), m.randn(1),
                     m.randn(2, dtype=m.float64), m.empty(5, dtype=m.float16).normal_(),
                     m.empty(3).log_normal_(), m.randn(1)))


# ------------------------------------------------------------------------------------ layouts
@pytest.mark.parametrize("dt", ("float32", "float64", "float16"))
@pytest.mark.parametrize("shp", [(5, 7), (20, 30), (3, 1), (1, 1), (4, 16)])
def test_inplace_on_views(dt, shp):
    def fn(m):
        z = lambda *s: m.zeros(*s, dtype=D(m, dt))  # noqa: E731
        return (z(*shp).t().uniform_(), z(*shp).t().normal_(), z(*shp)[:, ::2].normal_(1, 2),
                z(4, *shp).permute(2, 0, 1).exponential_(), z(*shp).t().bernoulli_(0.5),
                z(2, *shp).transpose(0, 2).random_(0, 1000), z(*shp)[1:].cauchy_(),
                z(*shp).t().log_normal_(), z(*shp).t().geometric_(0.2),
                z(*shp).t()[::2].uniform_(-1, 1))
    check(fn, where=f"views {dt} {shp}")


@pytest.mark.parametrize("dt", ("float32", "float64"))
@pytest.mark.parametrize("shp", [(5, 7), (20, 30), (2, 3, 4)])
def test_like_and_out_keep_layout(dt, shp):
    def fn(m):
        x = m.zeros(*shp, dtype=D(m, dt)).transpose(0, -1)
        out = m.zeros(*shp, dtype=D(m, dt)).transpose(0, -1)
        return (m.randn_like(x), m.rand_like(x), m.randint_like(x, 10), m.randint_like(x, 3, 9),
                m.randn(*x.shape, out=out), out, m.rand(*x.shape, out=out.clone()),
                m.randn_like(x, dtype=m.float16), m.rand_like(m.zeros(3, dtype=D(m, dt))))
    check(fn, where=f"like/out {dt} {shp}")


def test_out_resizes_and_keeps_dtype():
    def fn(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = m.rand(3, 4, out=m.zeros(0, dtype=m.float64))
            b = m.randn(5, out=m.zeros(5))
            c = m.randint(0, 5, (2, 2), out=m.zeros(4, dtype=m.int32))
            d = m.randperm(7, out=m.zeros(7, dtype=m.float32))
        return a, b, c, d
    check(fn)


# ------------------------------------------------------------------------------------ integers
RANGES = [(0, 10), (-5, 5), (0, 2 ** 28 - 1), (0, 2 ** 28), (-2 ** 40, 2 ** 40), (0, 2 ** 62),
          (3, 4)]


@pytest.mark.parametrize("lo,hi", RANGES)
@pytest.mark.parametrize("dt", ["int64", "int32", "int16", "int8", "uint8", "bool", "float32",
                                "float64", "float16", "bfloat16"])
def test_randint(lo, hi, dt):
    def fn(m):
        out = []
        for n in (0, 1, 17, 1000):
            try:
                out.append(m.randint(lo, hi, (n,), dtype=D(m, dt)))
            except RuntimeError as exc:
                out.append(str(exc).replace("torch", "ember"))
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(fn, seeds=(0, 7), where=f"randint({lo}, {hi}) {dt}")


def test_randint_signatures():
    check(lambda m: (m.randint(10, (3,)), m.randint(3, 10, (2, 2)), m.randint(5, size=(4,)),
                     m.randint(low=2, high=5, size=(3,)), m.randint(2 ** 31, (5,)),
                     m.randint(0, 2 ** 30, (5,), dtype=m.int32),
                     m.randint(-2 ** 63, 2 ** 63 - 1, (5,)), m.randint(high=10, size=(3,)),
                     m.randint(2, high=10, size=(3,)), m.randint(2, 10, size=[3]),
                     m.randint(2, 10, m.Size([3])), m.randint(m.tensor(10), (3,)),
                     m.randint(10, (3,), generator=m.Generator().manual_seed(1))))


@pytest.mark.parametrize("dt", ["int64", "int32", "int16", "int8", "uint8", "bool", "float32",
                                "float64", "float16", "bfloat16"])
def test_random_(dt):
    def fn(m):
        e = lambda: m.empty(37, dtype=D(m, dt))  # noqa: E731
        res = [e().random_()]
        for args in ((3, None), (100,), (0, 2), (-2, 2), (1, 2), (0, None), (-2 ** 63, None),
                     (2 ** 30, 2 ** 31 - 1), (-2 ** 60, 2 ** 60)):
            try:
                res.append(e().random_(*args))
            except (RuntimeError, NotImplementedError) as exc:
                res.append(type(exc).__name__ + str(exc).replace("torch", "ember"))
        return res
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(fn, where=f"random_ {dt}")


def test_random_wide_unsigned():
    check(lambda m: (m.zeros(3, dtype=m.uint64).random_(5, 2 ** 40),
                     m.zeros(3, dtype=m.uint32).random_(0, None),
                     m.zeros(3, dtype=m.uint32).random_(0, 2 ** 31),
                     m.zeros(3, dtype=m.uint16).random_(3, 2 ** 15),
                     m.randint(0, 2 ** 33, (3,), dtype=m.uint64)))


def test_random_float_bounds_nudge():
    # bounds beyond 2**digits are nudged so that the cast stays inside [from, to)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda m: (m.empty(9, dtype=m.float32).random_(2 ** 25 + 1, 2 ** 26 + 3),
                         m.empty(9, dtype=m.float16).random_(-2049, 2047),
                         m.empty(9, dtype=m.bfloat16).random_(-1001, 1001),
                         m.empty(9, dtype=m.float64).random_(-2 ** 60 - 1, 2 ** 60 + 1)))


def test_random_warns_out_of_precision():
    with pytest.warns(UserWarning, match="out of bounds"):
        ember.empty(3, dtype=ember.float32).random_(0, 2 ** 25 + 10)


# ------------------------------------------------------------------------------------ randperm
@pytest.mark.parametrize("n", [0, 1, 2, 5, 16, 17, 100, 1000, 100000])
def test_randperm(n):
    check(lambda m: m.randperm(n), where=f"randperm({n})")


@pytest.mark.parametrize("dt", ["int32", "int16", "float32", "float16", "bfloat16", "int8",
                                "uint8", "float64"])
def test_randperm_dtypes(dt):
    check(lambda m: m.randperm(100, dtype=D(m, dt)), where=f"randperm {dt}")


@pytest.mark.parametrize("pack", [63, 0])
def test_randperm_large_algorithm_is_inside_out_fisher_yates(monkeypatch, pack):
    # n >= 214748364 switches to the inside-out shuffle on 64-bit draws; force it on small n
    import ember.random as R
    monkeypatch.setattr(R, "_RANDPERM_SMALL", 0)
    monkeypatch.setattr(R, "_WORD_CHUNK", 700)
    monkeypatch.setattr(R, "_PACK_BITS", pack)
    for n in (0, 1, 2, 50, 3000):
        g = R.Generator().manual_seed(3)
        got = R._randperm_values(n, g).tolist()
        h = R.Generator().manual_seed(3)
        W = h._words64(n).tolist()
        r = [0] * n
        for i in range(n):
            z = W[i] % (i + 1)
            r[i] = r[z]
            r[z] = i
        assert got == r and sorted(got) == list(range(n))
        assert state_bytes(ember, g) == state_bytes(ember, h)


# ------------------------------------------------------------------------------------ bernoulli
@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16", "int64", "uint8",
                                "bool"])
def test_bernoulli_scalar_p(dt):
    check(lambda m: (m.empty(33, dtype=D(m, dt)).bernoulli_(0.3),
                     m.bernoulli(m.empty(5, 7, dtype=D(m, dt)), 0.6),
                     m.empty(4, dtype=D(m, dt)).bernoulli_(), m.empty(9, dtype=D(m, dt)).bernoulli_(1),
                     m.empty(9, dtype=D(m, dt)).bernoulli_(0)), where=f"bernoulli p float {dt}")


@pytest.mark.parametrize("pdt", FLOATS)
def test_bernoulli_tensor_p(pdt):
    def fn(m):
        p = m.linspace(0, 1, 40).to(D(m, pdt))
        return (m.bernoulli(p), p.bernoulli(), m.bernoulli(p.reshape(4, 10).t()),
                m.zeros(4, 10).t().bernoulli_(m.linspace(0, 1, 4).to(D(m, pdt))),
                m.zeros(10, 4, dtype=m.int64).bernoulli_(p.reshape(4, 10).t()),
                m.bernoulli(p, out=m.zeros(40, dtype=m.int32)))
    check(fn, where=f"bernoulli p tensor {pdt}")


def test_dropout_mask_helper_matches_torch_dropout():
    # dropout noise = bernoulli_(empty_like(x), 1 - p): one 64-bit draw per element
    for p in (0.1, 0.5, 0.9):
        x = np.arange(1, 61, dtype=np.float32).reshape(6, 10)
        torch.manual_seed(0)
        ember.manual_seed(0)
        t = torch.nn.functional.dropout(torch.from_numpy(x).t(), p, training=True)
        xe = ember.from_numpy(x.copy()).t()
        mask = ember.random.bernoulli_(ember.empty_like(xe), 1 - p)
        assert np.array_equal(_bits(mask) != 0, _bits(t) != 0)
        same_state()


# ------------------------------------------------------------------------------------ multinomial
@pytest.mark.parametrize("dt", ["float32", "float64", "float16"])
@pytest.mark.parametrize("k", [1, 2, 5, 10])
@pytest.mark.parametrize("rep", [False, True])
def test_multinomial(dt, k, rep):
    def fn(m):
        p1 = m.arange(1, 11, dtype=D(m, dt))
        p2 = m.arange(1, 31, dtype=D(m, dt)).reshape(3, 10)
        return (m.multinomial(p1, k, rep), m.multinomial(p2, k, rep),
                m.multinomial(m.arange(1, 31, dtype=D(m, dt)).reshape(10, 3).t(), k, rep),
                p1.multinomial(k, replacement=rep), m.multinomial(m.ones(0, 10, dtype=D(m, dt)), k))
    check(fn, where=f"multinomial {dt} k={k} rep={rep}")


def test_multinomial_large_rows():
    check(lambda m: (m.multinomial(m.rand(20, 300), 40), m.multinomial(m.rand(20, 300), 40, True),
                     m.multinomial(m.rand(1000, dtype=m.float64), 1, True)))


# ------------------------------------------------------------------------------------ others
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("n", [1, 15, 16, 33, 1000])
def test_continuous_distributions(dt, n):
    check(lambda m: (m.empty(n, dtype=D(m, dt)).exponential_(1.5),
                     m.empty(n, dtype=D(m, dt)).exponential_(),
                     m.empty(n, dtype=D(m, dt)).geometric_(0.3),
                     m.empty(n, dtype=D(m, dt)).cauchy_(0.5, 2.0),
                     m.empty(n, dtype=D(m, dt)).log_normal_(0.5, 0.7),
                     m.randn(3, dtype=D(m, dt)), m.empty(n, dtype=D(m, dt)).log_normal_(),
                     m.randn(1, dtype=D(m, dt))), where=f"distributions {dt} {n}")


@pytest.mark.parametrize("dt", ["int64", "int32", "int16", "uint8"])
def test_geometric_integer_dtypes(dt):
    check(lambda m: (m.empty(50, dtype=D(m, dt)).geometric_(0.01),
                     m.empty(50, dtype=D(m, dt)).geometric_(0.9)))


@pytest.mark.parametrize("rate", [0, 0.5, 3, 9.99, 10, 25, 1000, 1e6])
@pytest.mark.parametrize("dt", ["float32", "float64", "float16"])
def test_poisson(rate, dt):
    if dt == "float16" and rate > 65504:
        rate = 6e4
    check(lambda m: m.poisson(m.full((50,), rate, dtype=D(m, dt))), where=f"poisson {rate} {dt}")


def test_poisson_layouts_and_specials():
    check(lambda m: (m.poisson(m.tensor([1., float("inf"), 0., 20.])),
                     m.poisson(m.arange(24.).reshape(4, 6).t()),
                     m.poisson(m.rand(3, 5) * 40, generator=None), m.poisson(m.zeros(0))))


@pytest.mark.parametrize("dt", ["float32", "float64", "float16"])
@pytest.mark.parametrize("n", [3, 16, 40])
def test_normal_overloads(dt, n):
    def fn(m):
        a = m.arange(n, dtype=D(m, dt))
        return (m.normal(a, 2.0), m.normal(a), m.normal(1.5, a), m.normal(a, a * 0.5),
                m.normal(0.3, 1.7, (n,), dtype=D(m, dt)), m.normal(0.3, 1.7, size=(2, n)),
                m.normal(a, 1.0, out=m.zeros(n, dtype=D(m, dt))))
    check(fn, where=f"normal overloads {dt} {n}")


def test_normal_broadcast_and_mixed_dtypes():
    check(lambda m: (m.normal(m.zeros(2, 3), m.ones(3)),
                     m.normal(m.zeros(2, 3, dtype=m.float64), m.ones(3)),
                     m.normal(m.zeros(2, 3), m.ones(3, dtype=m.float64)),
                     m.normal(0., m.ones(3, dtype=m.float64)),
                     m.normal(m.zeros(4, 5).t(), 1.0), m.normal(m.zeros(20, 5).t(), 3.0)))


def test_nn_init_style_formulas():
    # what nn.init builds on: bounds computed in Python floats, then uniform_/normal_
    def fn(m):
        w = m.empty(30, 20)
        gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))
        bound = math.sqrt(3.0) * (gain / math.sqrt(20))
        b = m.empty(30)
        return (w.uniform_(-bound, bound), b.uniform_(-1 / math.sqrt(20), 1 / math.sqrt(20)),
                m.empty(64, 3, 3, 3).normal_(0, math.sqrt(2.0 / 27)))
    check(fn)
    torch.manual_seed(0)
    ember.manual_seed(0)
    lin = torch.nn.Linear(20, 30)
    conv_w = torch.empty(64, 3, 3, 3).normal_(0, math.sqrt(2.0 / 27))
    w, b, cw = fn(ember)
    same_tensor(w, lin.weight.detach())
    same_tensor(b, lin.bias.detach())
    same_tensor(cw, conv_w)
    same_state()


def test_long_mixed_sequence_with_generators():
    def fn(m):
        g = m.Generator().manual_seed(77)
        out = []
        for i in range(6):
            out += [m.rand(i * 7 + 1), m.randn(i * 5 + 2, generator=g), m.randint(0, 2 ** 29, (i,)),
                    m.randperm(i * 11, generator=g), m.empty(i * 3 + 1).exponential_(),
                    m.multinomial(m.arange(1., 6.), 3, generator=g),
                    m.bernoulli(m.full((i + 2,), 0.3), generator=g),
                    m.empty(3, 4).t().normal_(generator=g)]
        out.append(g.get_state())
        return out
    check(fn, seeds=(0, 2 ** 63 + 11))


def test_requires_grad_and_version():
    check(lambda m: (m.rand(3, requires_grad=True), m.randn(3, 17, requires_grad=True),
                     m.normal(0.0, 1.0, (2,), requires_grad=True),
                     m.randn_like(m.zeros(2), requires_grad=True)), seeds=(0,))
    x = ember.zeros(4)
    v = x._version
    x.uniform_()
    x.normal_()
    assert x._version == v + 2
    with ember.no_grad():
        y = ember.zeros(3, requires_grad=True)
        y.uniform_()
        assert y.requires_grad


# ------------------------------------------------------------------------------------ errors
ERRORS = [
    lambda m: m.rand(3, dtype=m.int64), lambda m: m.randn(3, dtype=m.int64),
    lambda m: m.randn(3, dtype=m.bool), lambda m: m.rand(-1), lambda m: m.rand(),
    lambda m: m.rand(3, dtype=m.float32, out=m.zeros(3, dtype=m.float64)),
    lambda m: m.rand(3, out=m.zeros(3, dtype=m.int64)), lambda m: m.rand(3, generator=5),
    lambda m: m.rand(3, requires_grad=True, dtype=m.int64),
    lambda m: m.randint(3, (2,), requires_grad=True),
    lambda m: m.randint(5, 5, (3,)), lambda m: m.randint(5, 3, (3,)),
    lambda m: m.randint(5, (3,), dtype=m.bool), lambda m: m.randint(0, 300, (3,), dtype=m.uint8),
    lambda m: m.randint(-1, 3, (3,), dtype=m.uint8),
    lambda m: m.randint(0, 2 ** 40, (3,), dtype=m.int32),
    lambda m: m.randint(-2 ** 63 - 1, 0, (3,)), lambda m: m.randint(0, 2 ** 63, (3,)),
    lambda m: m.randint(-129, 0, (3,), dtype=m.int8),
    lambda m: m.randint(0, 2 ** 17, (3,), dtype=m.int16), lambda m: m.randint(1.5, (3,)),
    lambda m: m.randint(5), lambda m: m.randint(10, 3), lambda m: m.randint(1, 2, 3, 4),
    lambda m: m.empty(3, dtype=m.float16).random_(0, 70000),
    lambda m: m.empty(3, dtype=m.complex64).random_(), lambda m: m.empty(3, dtype=m.uint16).random_(),
    lambda m: m.zeros(3).random_(5, 2), lambda m: m.zeros(3).random_(1.5),
    lambda m: m.zeros(3).random_(2 ** 63), lambda m: m.zeros(3, dtype=m.uint8).random_(-5, None),
    lambda m: m.zeros(3, dtype=m.bool).random_(-2 ** 63, None),
    lambda m: m.zeros(3, dtype=m.int32).random_(-2 ** 63, None),
    lambda m: m.zeros(3, dtype=m.uint64).random_(0, None),
    lambda m: m.zeros(3, dtype=m.uint64).random_(-1, 5),
    lambda m: m.randperm(-1), lambda m: m.randperm(300, dtype=m.uint8),
    lambda m: m.randperm(129, dtype=m.int8), lambda m: m.randperm(2050, dtype=m.float16),
    lambda m: m.randperm(3, dtype=m.bool), lambda m: m.randperm(3.0),
    lambda m: m.randperm(2 ** 24 + 2, dtype=m.float32),
    lambda m: m.bernoulli(m.zeros(3), p=1.5), lambda m: m.bernoulli(m.full((3,), 1.5)),
    lambda m: m.bernoulli(m.zeros(3, dtype=m.int64)),
    lambda m: m.zeros(3, dtype=m.complex64).bernoulli_(0.5),
    lambda m: m.zeros(2, 2).bernoulli_(m.full((3,), .5)),
    lambda m: m.zeros(2).bernoulli_(m.full((2, 2), .5)),
    lambda m: m.zeros(3).bernoulli_(m.tensor([1, 0, 1])), lambda m: m.zeros(3).bernoulli_(-0.1),
    lambda m: m.multinomial(m.ones(3), 4), lambda m: m.multinomial(m.ones(3, 3, 3), 1),
    lambda m: m.multinomial(m.zeros(3), 1), lambda m: m.multinomial(m.tensor([1., -1.]), 1),
    lambda m: m.multinomial(m.ones(3), 0), lambda m: m.multinomial(m.ones(3, dtype=m.int64), 1),
    lambda m: m.multinomial(m.tensor([1., float("inf")]), 2, True),
    lambda m: m.multinomial(m.tensor([1., -1]), 2, True),
    lambda m: m.multinomial(m.tensor([0., 0]), 2, True),
    lambda m: m.multinomial(m.ones(3, 0), 2, True),
    lambda m: m.multinomial(m.ones(3), 2, out=m.zeros(2, dtype=m.int32)),
    lambda m: m.multinomial(m.tensor([1., float("nan")]), 1),
    lambda m: m.multinomial(m.ones(2 ** 24 + 1), 1),
    lambda m: m.normal(0., -1., (3,)), lambda m: m.normal(m.zeros(3), -1.),
    lambda m: m.normal(m.zeros(3), m.full((3,), -1.)), lambda m: m.normal(0., 1.),
    lambda m: m.normal(m.zeros(2, 3), m.ones(4)),
    lambda m: m.zeros(3).uniform_(2, 1), lambda m: m.zeros(3).uniform_(0, float("inf")),
    lambda m: m.zeros(3, dtype=m.float16).uniform_(0, 1e6),
    lambda m: m.zeros(3, dtype=m.float16).uniform_(-6e4, 6e4),
    lambda m: m.zeros(3, dtype=m.int64).uniform_(),
    lambda m: m.zeros(3).exponential_(0), lambda m: m.zeros(3).exponential_(-1),
    lambda m: m.zeros(3, dtype=m.int64).exponential_(),
    lambda m: m.zeros(3, dtype=m.int64).exponential_(0),
    lambda m: m.zeros(3, dtype=m.complex64).exponential_(),
    lambda m: m.zeros(3).geometric_(0), lambda m: m.zeros(3).geometric_(1),
    lambda m: m.zeros(3, dtype=m.bool).geometric_(0.5),
    lambda m: m.zeros(3).log_normal_(0, 0), lambda m: m.zeros(3, dtype=m.int64).log_normal_(),
    lambda m: m.zeros(3).cauchy_(0, 0), lambda m: m.zeros(3, dtype=m.int64).cauchy_(),
    lambda m: m.zeros(3).normal_(0, -1), lambda m: m.zeros(3, dtype=m.int64).normal_(),
    lambda m: m.poisson(m.tensor([-1.])), lambda m: m.poisson(m.tensor([float("nan")])),
    lambda m: m.poisson(m.tensor([1], dtype=m.int64)),
    lambda m: m.rand_like(m.zeros(3, dtype=m.int64)),
    lambda m: m.randn_like(m.zeros(3, dtype=m.int64)),
    lambda m: m.zeros(3, requires_grad=True).uniform_(),
    lambda m: m.zeros(3, requires_grad=True).normal_(),
    lambda m: m.zeros(3, requires_grad=True).bernoulli_(0.5),
    lambda m: m.zeros(1).expand(3).uniform_(),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(ERRORS[i])


# ------------------------------------------------------------------------------------ internals
def test_fma_emulation_is_exact():
    from ember.random import _fma32, _fma64
    rng = np.random.default_rng(0)
    a = rng.standard_normal(3000) * np.exp2(rng.integers(-30, 30, 3000))
    b = rng.standard_normal(3000) * np.exp2(rng.integers(-30, 30, 3000))
    c = rng.standard_normal(3000) * np.exp2(rng.integers(-60, 60, 3000))
    # hard cases: products landing next to c's rounding midpoints
    a[:500] = 1.0 + np.exp2(-rng.integers(1, 52, 500))
    b[:500] = 1.0 - np.exp2(-rng.integers(1, 52, 500))
    c[:500] = -1.0
    c[500:600] = -a[500:600] * b[500:600]
    got = _fma64(a, b, c)
    for x, y, z, r in zip(a.tolist(), b.tolist(), c.tolist(), got.tolist()):
        exact = fractions.Fraction(x) * fractions.Fraction(y) + fractions.Fraction(z)
        assert r == float(exact), (x, y, z)
    a32, b32, c32 = a.astype(np.float32), b.astype(np.float32), c.astype(np.float32)
    a32[:200] = np.float32(1) + np.float32(2 ** -12)
    b32[:200] = np.float32(1) + np.float32(2 ** -12)
    c32[:200] = -np.exp2(rng.integers(-30, 2, 200)).astype(np.float32)
    got32 = _fma32(a32, b32, c32)
    for x, y, z, r in zip(a32.tolist(), b32.tolist(), c32.tolist(), got32.tolist()):
        exact = fractions.Fraction(x) * fractions.Fraction(y) + fractions.Fraction(z)
        assert r == float(np.float32(float(exact))) or _rn32(exact) == r, (x, y, z)


def _rn32(q):
    """Correct float32 rounding of a Fraction (ties to even)."""
    f = float(q)
    lo = np.float32(f)
    cands = {float(lo), float(np.nextafter(lo, np.float32(np.inf))),
             float(np.nextafter(lo, np.float32(-np.inf)))}
    return min(cands, key=lambda v: (abs(fractions.Fraction(v) - q),
                                     int(np.float32(v).view(np.uint32)) & 1))


def test_math_module_is_libm():
    # the double-precision transforms rely on math.* being the same libm PyTorch calls
    import ctypes
    import ctypes.util
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    xs = np.random.default_rng(1).random(2000).tolist()
    for name in ("log", "log1p", "exp", "sin", "cos", "tan"):
        f = getattr(libm, name)
        f.restype, f.argtypes = ctypes.c_double, [ctypes.c_double]
        arg = (lambda v: -v) if name == "log1p" else (lambda v: v * 7)
        assert all(getattr(math, name)(arg(x)) == f(arg(x)) for x in xs), name


def test_autograd_records_samplers_with_zero_grads():
    def run(m):
        a = m.ones(3, requires_grad=True)
        fns = [lambda: (a * 2).uniform_(), lambda: (a * 2).normal_(), lambda: (a * 2).random_(),
               lambda: (a * 2).random_(5), lambda: (a * 2).random_(1, 5),
               lambda: (a * 2).bernoulli_(0.5), lambda: (a * 2).bernoulli_(m.rand(3)),
               lambda: (a * 2).exponential_(), lambda: (a * 2).geometric_(0.5),
               lambda: (a * 2).cauchy_(), lambda: (a * 2).log_normal_(),
               lambda: m.normal(a, 1.), lambda: m.normal(1., a), lambda: m.normal(a, a),
               lambda: m.bernoulli(a * 0.5), lambda: m.poisson(a), lambda: m.bernoulli(a, 0.5),
               lambda: (a * 2)[1:].uniform_()]
        out = []
        for f in fns:
            r = f()
            a.grad = None
            try:
                r.sum().backward()
                g = a.grad.tolist()
            except RuntimeError as exc:
                g = str(exc)
            out.append((type(r.grad_fn).__name__, r.requires_grad, g))
        return out
    assert run(ember) == run(torch)


def test_chunked_paths_match(monkeypatch):
    # large draws are processed in chunks; shrink the chunks to exercise the seams
    import ember.random as R
    monkeypatch.setattr(R, "_WORD_CHUNK", 1000)
    monkeypatch.setattr(R, "_CHUNK16", 7)
    monkeypatch.setattr(R, "_MAP_CHUNK", 100)
    for dt in ("float32", "float64", "float16"):
        check(lambda m: (m.randn(4099, dtype=D(m, dt)), m.rand(2501, dtype=D(m, dt)),
                         m.empty(777, dtype=D(m, dt)).exponential_(),
                         m.empty(300, 5, dtype=D(m, dt)).t().normal_()), seeds=(1,))


LAYOUTS = {
    "p210": lambda m: m.zeros(5, 1, 7).permute(2, 1, 0),
    "p102": lambda m: m.zeros(5, 1, 7).permute(1, 0, 2),
    "p120": lambda m: m.zeros(2, 3, 4).permute(1, 2, 0),
    "slice3": lambda m: m.zeros(4, 6, 8)[:, 1:5:2, ::3],
    "t_slice": lambda m: m.zeros(6, 8).t()[2:6],
    "ones": lambda m: m.zeros(1, 1, 20).transpose(0, 2),
    "channels_last": lambda m: m.zeros(2, 3, 4, 5).to(memory_format=m.channels_last),
    "diagonal": lambda m: m.zeros(6, 6).diagonal(),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_visiting_order_on_exotic_layouts(name):
    L = LAYOUTS[name]
    check(lambda m: (L(m).uniform_(), L(m).normal_(), L(m).random_(0, 100), L(m).bernoulli_(0.4),
                     L(m).bernoulli_(m.full((L(m).shape[-1],), 0.4)), m.randn_like(L(m)),
                     m.rand_like(L(m))), seeds=(0, 5), where=name)


def test_randperm_vectorised_swaps_equal_the_loop():
    from ember.random import _apply_swaps
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 7, 64, 300, 5000):
        for _ in range(10):
            js = (rng.integers(0, 2 ** 32, n - 1) % np.arange(n, 1, -1)) + np.arange(n - 1)
            r = list(range(n))
            for i, j in enumerate(js.tolist()):
                r[i], r[j] = r[j], r[i]
            assert _apply_swaps(js.astype(np.int64), n).tolist() == r


@pytest.mark.parametrize("n", [3, 10, 70, 300])
@pytest.mark.parametrize("dt", ["float32", "float16", "float64"])
def test_multinomial_without_replacement_zero_probability_ties(n, dt):
    rng = np.random.default_rng(n)
    p = rng.random((3, n)).astype(np.float32)
    p[rng.random((3, n)) < 0.6] = 0
    p[:, 0] = 1
    for k in sorted({2, n // 2, n - 1, n, max(2, n // 64)}):
        check(lambda m: (m.multinomial(m.tensor(p[0]).to(D(m, dt)), k),
                         m.multinomial(m.tensor(p).to(D(m, dt)), k)), seeds=(0, 1),
              where=f"n={n} k={k}")


def test_stl_topk_order_matches_torch_topk():
    from ember.random import _stl_topk_largest
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 4, 5, 16, 17, 33, 65, 128, 129, 1000):
        for k in sorted({1, 2, 3, n // 2, n - 1, n, max(1, n // 64), 16, 17}):
            if not 1 <= k <= n:
                continue
            for trial in range(4):
                vals = rng.integers(0, (2, 3, 50, 5)[trial], n).astype(np.float32)
                if trial == 3:
                    vals[rng.integers(0, n, max(1, n // 10))] = np.nan
                want = torch.topk(torch.from_numpy(vals), k).indices.tolist()
                assert _stl_topk_largest(vals.tolist(), k) == want, (n, k, trial)
