"""Tensor creation against PyTorch: ``tensor()`` inference, ``as_tensor``/``asarray``/
``from_numpy`` memory sharing, the factories and their ``*_like``/``new_*`` forms, ranges,
``eye``/``tril_indices``/``meshgrid``/``complex``/``polar`` and the legacy constructors.
"""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr, DType, convert

warnings.filterwarnings("ignore", message="To copy construct from a tensor")


def same(fn, *inputs, **kw):
    """check_same, plus exact strides for every tensor result (also 0- and 1-element ones).

    NumPy has no complex32, so where PyTorch makes a complex32 tensor ember must raise."""
    try:
        r = fn(torch, *[convert(x, torch) for x in inputs], **convert(kw.get("kwargs") or {}, torch))
    except Exception:  # noqa: BLE001
        r = None
    if isinstance(r, torch.Tensor) and r.dtype == torch.complex32:
        with pytest.raises(RuntimeError, match="complex32"):
            fn(ember, *[convert(x, ember) for x in inputs], **convert(kw.get("kwargs") or {}, ember))
        return None
    res = check_same(fn, *inputs, **kw)
    if res is not None:
        _strides_equal(*res)
    return res


def _strides_equal(e, t):
    if isinstance(t, torch.Tensor):
        if t.numel() == 0 and t.dim() and not any(t.stride()):
            return  # PyTorch keeps NumPy's all-zero strides of empty arrays; ember cannot
        assert e.stride() == t.stride(), f"strides {e.stride()} != {t.stride()} (shape {tuple(t.shape)})"
        assert e.storage_offset() == t.storage_offset()
    elif isinstance(t, (tuple, list)):
        for a, b in zip(e, t):
            _strides_equal(a, b)


def with_default(dt, fn):
    """``fn`` run under the default dtype ``dt`` (a name)."""
    def run(m, *a):
        m.set_default_dtype(getattr(m, dt))
        return fn(m, *a)
    return run


# ---------------------------------------------------------------------------- tensor() inference
DATA = [
    lambda m: 1, lambda m: 2.5, lambda m: True, lambda m: 1j, lambda m: -3,
    lambda m: [], lambda m: [[]], lambda m: [[], []], lambda m: (),
    lambda m: [1, 2], lambda m: [1, 2.0], lambda m: [True, 1], lambda m: [True, 2.5],
    lambda m: [1, 1j], lambda m: [True, False], lambda m: [[1, 2], [3, 4]],
    lambda m: ((1, 2), (3.5, 4)), lambda m: [[[1.5]]], lambda m: [(1, 2), [3, 4]],
    lambda m: [np.float16(1), 2], lambda m: [np.int8(1), 2], lambda m: [np.float64(1), 2],
    lambda m: [np.int32(1), np.int32(2)], lambda m: [np.float32(1.5), 1j],
    lambda m: np.float16(1.5), lambda m: np.int16(3), lambda m: np.bool_(True),
    lambda m: np.complex64(1 + 2j), lambda m: np.uint8(200),
    lambda m: [m.tensor(1, dtype=m.uint8), -1],
    lambda m: [m.tensor(1, dtype=m.bfloat16), m.tensor(2, dtype=m.float16)],
    lambda m: [m.tensor(1, dtype=m.uint16), 1],
    lambda m: [m.tensor(1.5), m.tensor(2.5)], lambda m: [m.tensor(3), 4.5],
    lambda m: [m.tensor(1, dtype=m.int8), m.tensor(2, dtype=m.int16)],
    lambda m: [m.tensor([1, 2]), m.tensor([3, 4])],
    lambda m: [m.tensor([1., 2.]), [3, 4]],
    lambda m: [[m.tensor(1), 2], [3, m.tensor(4.5, dtype=m.float64)]],
    lambda m: [np.array([1, 2], dtype=np.int16), np.array([3, 4], dtype=np.int16)],
    lambda m: [np.array(1.5, dtype=np.float32), 2],
    lambda m: np.array([[1, 2], [3, 4]], dtype=np.int8),
    lambda m: np.array([1.5, 2.5], dtype=np.float16),
    lambda m: np.array([], dtype=np.float32), lambda m: np.zeros((2, 0, 3)),
    lambda m: np.arange(12.).reshape(3, 4).T, lambda m: np.arange(10)[::2],
    lambda m: np.array(True), lambda m: np.array(7, dtype=np.uint32),
    lambda m: [2 ** 63, 1.5], lambda m: [2 ** 62, 1], lambda m: -2 ** 63,
    lambda m: [float("inf"), float("nan")], lambda m: [1e40],
    lambda m: range(5), lambda m: [range(2), range(2)],
    lambda m: m.tensor([[1, 2], [3, 4]]).t(),
    lambda m: m.arange(10.)[::3], lambda m: m.tensor(5.),
    # errors
    lambda m: [[1, 2], [3]], lambda m: [[1], [2, 3]], lambda m: [1, [2]], lambda m: [[1], 2],
    lambda m: [[[1, 2]], [[3]]], lambda m: None, lambda m: [1, None], lambda m: [None],
    lambda m: 2 ** 63, lambda m: [2 ** 63], lambda m: [2 ** 64, 1], lambda m: -2 ** 63 - 1,
    lambda m: "abc", lambda m: ["a"], lambda m: [np.bool_(1), 1], lambda m: {1: 2},
    lambda m: [m.tensor([1, 2]), m.tensor([3])], lambda m: [m.tensor([1, 2]), 3],
    lambda m: object(), lambda m: [1, object()],
]


@pytest.mark.parametrize("i", range(len(DATA)))
def test_tensor_inference(i):
    same(lambda m: m.tensor(DATA[i](m)))


@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16"])
@pytest.mark.parametrize("data", [
    lambda m: 2.5, lambda m: [1, 2.0], lambda m: 1j, lambda m: [1, 1j], lambda m: [True, 2.5],
    lambda m: [np.float16(1), 2], lambda m: [np.float32(1), 2.5], lambda m: [],
    lambda m: [m.tensor(1.5, dtype=m.float32), 2.5], lambda m: [1j, m.tensor(1, dtype=m.uint16)],
    lambda m: [m.tensor(1, dtype=m.uint16), 1j], lambda m: [1, 2], lambda m: np.float32(2.5),
])
def test_tensor_inference_default_dtype(default, data):
    same(with_default(default, lambda m: m.tensor(data(m))))


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16",
                                   "bfloat16", "float32", "float64", "complex64", "complex128",
                                   "uint16", "uint32", "uint64"])
@pytest.mark.parametrize("data", [
    lambda m: [1, 2, 3], lambda m: [[1.7, -2.2], [0.5, 3.9]], lambda m: 3, lambda m: 2.5,
    lambda m: [True, False], lambda m: [300, -1], lambda m: 1000, lambda m: [1j, 2],
    lambda m: np.array([1.5, 2.5]), lambda m: [m.tensor(1.5), m.tensor(2)],
    lambda m: [], lambda m: -1, lambda m: 1 + 2j, lambda m: [70000], lambda m: np.float32(2.5),
])
def test_tensor_explicit_dtype(dtype, data):
    same(lambda m: m.tensor(data(m), dtype=getattr(m, dtype)))


def test_tensor_requires_grad_and_errors():
    same(lambda m: m.tensor([1., 2.], requires_grad=True))
    same(lambda m: m.tensor([1, 2], requires_grad=True))
    same(lambda m: m.tensor([1, 2], dtype=m.float64, requires_grad=True))
    same(lambda m: m.tensor(1j, requires_grad=True))
    same(lambda m: m.tensor([1, 2], dtype="float32"))
    same(lambda m: repr(m.tensor([1, 2], device="cpu").device))
    same(lambda m: str(m.tensor([1, 2], device=m.device("cpu")).device))


def test_tensor_copies():
    # tensor() always copies: from arrays, tensors, and tensors that require grad
    for make in (lambda m: np.arange(4.), lambda m: m.arange(4.)):
        def fn(m, make=make):
            src = make(m)
            t = m.tensor(src)
            t[0] = 99
            return t, m.as_tensor(src), t.is_leaf, t.requires_grad
        same(fn)

    def grad_src(m):
        src = m.ones(2, requires_grad=True)
        t = m.tensor(src * 2)
        return t, t.requires_grad, t.grad_fn is None, t.is_leaf
    same(grad_src)


def test_tensor_warns_on_tensor_input():
    t = ember.ones(2)
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        ember.tensor(t)


def test_tensor_bfloat16_default_complex_error():
    same(with_default("bfloat16", lambda m: m.tensor([1, 2j])))
    same(with_default("bfloat16", lambda m: m.tensor(2j)))


# ---------------------------------------------------------------------------- as_tensor / asarray
@pytest.mark.parametrize("data", [
    lambda m: [1, 2], lambda m: [[1.5]], lambda m: 3, lambda m: np.arange(3, dtype=np.int16),
    lambda m: np.arange(6.).reshape(2, 3).T, lambda m: m.arange(5), lambda m: np.float16(2),
    lambda m: (1, 2.5), lambda m: [m.tensor(1), 2], lambda m: None, lambda m: [[1], [2, 3]],
])
@pytest.mark.parametrize("dtype", [None, "float64", "int32"])
def test_as_tensor(data, dtype):
    kw = {} if dtype is None else {"dtype": DType(dtype)}
    same(lambda m, **k: m.as_tensor(data(m), **k), kwargs=kw)


def test_as_tensor_shares_memory():
    def fn(m):
        a = np.arange(4.)
        t = m.as_tensor(a)
        a[0] = 7
        b = np.arange(4.)
        u = m.as_tensor(b, dtype=m.float32)   # a conversion copies
        b[0] = 7
        src = m.arange(3.)
        same_obj = m.as_tensor(src) is src
        conv = m.as_tensor(src, dtype=m.float64) is src
        return t, u, same_obj, conv
    same(fn)


@pytest.mark.parametrize("copy", [None, True, False])
@pytest.mark.parametrize("src", ["ndarray", "tensor", "list", "scalar", "npscalar", "tensor_nc"])
@pytest.mark.parametrize("dtype", [None, "float64", "int16"])
def test_asarray(copy, src, dtype):
    def fn(m):
        if src == "ndarray":
            s = np.arange(6, dtype=np.float64).reshape(2, 3)
        elif src == "tensor":
            s = m.arange(6.).reshape(2, 3)
        elif src == "tensor_nc":
            s = m.arange(6.).reshape(2, 3).t()
        elif src == "list":
            s = [[1.5, 2], [3, 4]]
        elif src == "npscalar":
            s = np.float64(3.5)
        else:
            s = 3.5
        kw = {} if dtype is None else {"dtype": getattr(m, dtype)}
        t = m.asarray(s, copy=copy, **kw)
        if src in ("ndarray", "tensor", "tensor_nc"):
            ptr = t.data_ptr() == (s.ctypes.data if isinstance(s, np.ndarray) else s.data_ptr())
            return t, ptr, (t is s)
        return t
    same(fn)


def test_asarray_requires_grad_and_device():
    same(lambda m: m.asarray([1., 2.], requires_grad=True))
    same(lambda m: m.asarray(m.ones(2), requires_grad=True))
    same(lambda m: m.asarray(np.ones(2), device="cpu"))
    same(lambda m: m.asarray([1, 2], dtype=m.float64))
    same(lambda m: m.asarray(np.arange(3, dtype=np.int32)[::-1].copy()))

    def grad_graph(m):
        x = m.ones(2, requires_grad=True)
        y = m.asarray(x * 2)
        return y.requires_grad, y.grad_fn is None
    same(grad_graph)


def test_asarray_buffer_protocols():
    # objects exposing __array_interface__ / buffer protocol / dlpack
    same(lambda m: m.asarray(memoryview(np.arange(4, dtype=np.int32))))
    same(lambda m: m.asarray(bytearray(b"\x01\x02")))

    class AI:
        def __init__(self):
            self.a = np.arange(3.)
            self.__array_interface__ = self.a.__array_interface__
    same(lambda m: m.asarray(AI()))


# ---------------------------------------------------------------------------- from_numpy / numpy
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16",
                                   "uint32", "uint64", "float16", "float32", "float64",
                                   "complex64", "complex128"])
def test_from_numpy_dtypes(dtype):
    def fn(m):
        a = np.arange(6).reshape(2, 3).astype(dtype)
        t = m.from_numpy(a)
        return t, t.data_ptr() == a.ctypes.data, t.numpy() is not None
    same(fn)


@pytest.mark.parametrize("make", [
    lambda: np.arange(12.).reshape(3, 4).T, lambda: np.arange(12.).reshape(3, 4)[:, ::2],
    lambda: np.zeros((0, 3)), lambda: np.array(5.), lambda: np.arange(24).reshape(2, 3, 4)[1],
    lambda: np.broadcast_to(np.arange(3.), (2, 3)), lambda: np.arange(10.)[::-1],
    lambda: np.arange(6, dtype=">i4"), lambda: np.array(["a"]), lambda: np.array([1], dtype=object),
    lambda: np.zeros(3, dtype=np.longdouble), lambda: np.zeros(3, "M8[s]"),
    lambda: [1, 2], lambda: 3.0, lambda: np.ones((1, 3))[:, ::2],
])
def test_from_numpy_layouts_and_errors(make):
    same(lambda m: m.from_numpy(make()))


def test_from_numpy_shares_memory_both_ways():
    def fn(m):
        a = np.zeros(4)
        t = m.from_numpy(a)
        a[1] = 5
        t[2] = 7
        n = t.numpy()
        n[3] = 9
        return t, a.tolist(), n is a, np.shares_memory(n, a), t.numpy().base is not None
    same(fn)


def test_numpy_method():
    same(lambda m: m.ones(2, requires_grad=True).numpy())
    same(lambda m: m.ones(2, requires_grad=True).numpy(force=True).tolist())
    same(lambda m: m.ones(2, dtype=m.bfloat16).numpy())
    same(lambda m: m.ones(2, dtype=m.float16).numpy().dtype.name)
    same(lambda m: m.arange(6).reshape(2, 3).t().numpy().strides)
    same(lambda m: m.tensor(3).numpy().shape)

    def force_shares(m):
        t = m.ones(3)
        n = t.numpy(force=True)
        n[0] = 5
        return t
    same(force_shares)


# ---------------------------------------------------------------------------- zeros / ones / full
SIZES = [(), (0,), (3,), (2, 3), (2, 0, 4), (1, 1), ((2, 3),), ([2, 3],), ((),), ([],)]


@pytest.mark.parametrize("fname", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("size", SIZES)
def test_factories_sizes(fname, size):
    def fn(m):
        t = getattr(m, fname)(*size)
        if fname == "empty":
            t.zero_()
        return t
    same(fn)


@pytest.mark.parametrize("fname", ["zeros", "ones", "empty", "randn", "rand"])
def test_factory_size_forms_and_errors(fname):
    def f(*a, **k):
        def fn(m):
            t = getattr(m, fname)(*a, **k)
            return t.shape, t.dtype, t.stride(), t.requires_grad
        return fn
    same(lambda m: getattr(m, fname)(m.Size([2, 3])).shape)
    same(f(2, -1))
    same(f(-1))
    same(f((2, -3)))
    same(f(2.0))
    same(f((2, 2.5)))
    same(f("3"))
    same(f(np.int64(3), np.int32(2)))
    same(f(3, requires_grad=True))
    same(lambda m: getattr(m, fname)(2, 3, dtype=m.float64).dtype)
    same(lambda m: getattr(m, fname)(True).shape)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16",
                                   "uint32", "uint64", "float16", "bfloat16", "float32", "float64",
                                   "complex64", "complex128"])
@pytest.mark.parametrize("fname", ["zeros", "ones"])
def test_factories_dtypes(fname, dtype):
    same(lambda m: getattr(m, fname)(2, 3, dtype=getattr(m, dtype)))
    same(lambda m: getattr(m, fname)(2, dtype=getattr(m, dtype), requires_grad=True))


@pytest.mark.parametrize("default", ["float32", "float64", "float16", "bfloat16"])
def test_factories_default_dtype(default):
    same(with_default(default, lambda m: m.zeros(2)))
    same(with_default(default, lambda m: m.ones(2, 1)))
    same(with_default(default, lambda m: m.empty(0).dtype))
    same(with_default(default, lambda m: m.eye(2)))
    same(with_default(default, lambda m: m.Tensor([1, 2])))
    same(with_default(default, lambda m: m.full((2,), 1.5)))
    same(with_default(default, lambda m: m.full((2,), 1 + 1j)))
    same(with_default(default, lambda m: m.arange(3.)))
    same(with_default(default, lambda m: m.linspace(0, 1, 3)))
    same(with_default(default, lambda m: m.scalar_tensor(3)))


@pytest.mark.parametrize("fname", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("fmt", ["channels_last", "contiguous_format", "preserve_format",
                                 "channels_last_3d"])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 3, 1, 2), (2, 3, 4, 5, 6), (2, 3)])
def test_factories_memory_format(fname, fmt, shape):
    same(lambda m: getattr(m, fname)(*shape, memory_format=getattr(m, fmt)).fill_(1))


@pytest.mark.parametrize("fill", [1, 2.5, True, 1 + 2j, -3, np.float16(1), np.int32(1),
                                  np.bool_(True), np.float64(2.5), 2 ** 63, float("nan")])
@pytest.mark.parametrize("dtype", [None, "int32", "float16", "bool", "uint8", "complex64"])
def test_full(fill, dtype):
    kw = {} if dtype is None else {"dtype": DType(dtype)}
    same(lambda m, **k: m.full((2, 3), fill, **k), kwargs=kw)


def test_full_size_forms_and_errors():
    same(lambda m: m.full([2], 1.))
    same(lambda m: m.full(m.Size([2, 1]), 1.))
    same(lambda m: m.full((), 4))
    same(lambda m: m.full(3, 4))
    same(lambda m: m.full((2, -1), 4))
    same(lambda m: m.full((2,), m.tensor(3.5)))
    same(lambda m: m.full((2,), m.tensor([3.5])))
    same(lambda m: m.full((2,), "a"))
    same(lambda m: m.full((2,), 300, dtype=m.uint8))
    same(lambda m: m.full((2,), -1, dtype=m.uint8))
    same(lambda m: m.full((2,), 2.5, dtype=m.int64))
    same(lambda m: m.full((2,), 1 + 1j, dtype=m.float32))
    same(lambda m: m.full((2,), 2.5, requires_grad=True))
    same(lambda m: m.full((2,), 2, requires_grad=True))


# ---------------------------------------------------------------------------- *_like / new_*
LIKE_SRC = [
    Arr(np.arange(6.).reshape(2, 3)), Arr(np.arange(6.).reshape(2, 3), layout="transposed"),
    Arr(np.arange(12.).reshape(3, 4), layout="strided"), Arr(np.array(3, dtype=np.int32)),
    Arr(np.zeros((0, 3))), Arr(np.arange(6).reshape(2, 3), dtype="int16"),
    Arr(np.arange(4.), requires_grad=True), Arr(np.arange(6.).reshape(1, 6), dtype="bfloat16"),
]


@pytest.mark.parametrize("fname", ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"])
@pytest.mark.parametrize("src", LIKE_SRC)
def test_like(fname, src):
    def fn(m, x):
        t = getattr(m, fname)(x)
        if fname in ("empty_like", "rand_like", "randn_like"):
            t = t.detach().zero_()
        return t
    same(fn, src)


@pytest.mark.parametrize("fname", ["zeros_like", "ones_like", "empty_like", "full_like"])
@pytest.mark.parametrize("kw", [
    {"dtype": DType("float64")}, {"dtype": DType("int32")}, {"requires_grad": True},
    {"device": "cpu"}, {"memory_format": "channels_last"}, {"memory_format": "preserve_format"},
    {"memory_format": "contiguous_format"}, {"dtype": DType("int64"), "requires_grad": True},
])
@pytest.mark.parametrize("src", [
    Arr(np.arange(120.).reshape(2, 3, 4, 5)),
    Arr(np.arange(120.).reshape(2, 3, 4, 5).transpose(0, 2, 3, 1)),
    Arr(np.arange(6.).reshape(2, 3), layout="transposed"),
    Arr(np.arange(24.).reshape(2, 3, 4), layout="strided"),
    Arr(np.arange(24.).reshape(2, 3, 4).transpose(2, 0, 1)),
])
def test_like_kwargs(fname, kw, src):
    kw = dict(kw)
    if "memory_format" in kw:
        name = kw.pop("memory_format")
        fmt = lambda m: getattr(m, name)  # noqa: E731
    else:
        fmt = None

    def fn(m, x, **k):
        if fmt is not None:
            k["memory_format"] = fmt(m)
        args = (x, 2.5) if fname == "full_like" else (x,)
        t = getattr(m, fname)(*args, **k)
        if fname == "empty_like":
            t = t.detach().zero_()
        return t
    same(fn, src, kwargs=kw)


def test_like_channels_last_permuted_input():
    # a channels-last laid out input keeps its strides under preserve_format
    def fn(m):
        x = m.zeros(2, 3, 4, 5).to(memory_format=m.channels_last)
        return (m.zeros_like(x), m.empty_like(x).zero_(), m.ones_like(x[:, :, ::2]),
                x.clone(), m.full_like(x, 3))
    same(fn)
    same(lambda m: m.zeros_like(m.zeros(2, 3), memory_format=m.channels_last))
    same(lambda m: m.zeros_like(m.zeros(1, 3, 1, 1).to(memory_format=m.channels_last)))
    same(lambda m: m.zeros_like(m.zeros(2, 3, 4, 5).permute(1, 0, 2, 3)))
    same(lambda m: m.zeros_like(m.zeros(3, 4).expand(2, 3, 4)))
    same(lambda m: m.zeros_like(m.zeros(3, 1).expand(3, 4)))


@pytest.mark.parametrize("fill", [2.5, 3, True, 1 + 1j, -1])
@pytest.mark.parametrize("src", [Arr(np.arange(3)), Arr(np.arange(3.)), Arr(np.ones(3, bool)),
                                 Arr(np.ones(3), dtype="float16"), Arr(np.ones(3), dtype="uint8")])
def test_full_like(fill, src):
    same(lambda m, x: m.full_like(x, fill), src)


def test_full_like_tensor_fill_and_errors():
    same(lambda m: m.full_like(m.ones(2), m.tensor(4.)))
    same(lambda m: m.full_like(m.ones(2), "a"))
    same(lambda m: m.full_like(m.ones(2, dtype=m.int64), 2.5, requires_grad=True))
    same(lambda m: m.zeros_like([1, 2]))
    same(lambda m: m.zeros_like(m.ones(2), memory_format=m.channels_last))


@pytest.mark.parametrize("name", ["new_zeros", "new_ones", "new_empty"])
@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([2],), (), (0,), ("Size",)])
@pytest.mark.parametrize("src", [Arr(np.arange(3)), Arr(np.arange(6.).reshape(2, 3), layout="transposed"),
                                 Arr(np.arange(3.), requires_grad=True), Arr(np.ones(2), dtype="bfloat16")])
def test_new_factories(name, size, src):
    def fn(m, x):
        args = (m.Size([2, 1]),) if size == ("Size",) else size
        t = getattr(x, name)(*args)
        if name == "new_empty":
            t.zero_()
        return t
    same(fn, src)


def test_new_factories_kwargs():
    x = Arr(np.arange(3), dtype="int32")
    same(lambda m, x: x.new_zeros(2, dtype=m.float64), x)
    same(lambda m, x: x.new_ones((2,), dtype=m.float32, requires_grad=True), x)
    same(lambda m, x: x.new_ones((2,), requires_grad=True), x)
    same(lambda m, x: x.new_zeros(2, -1), x)
    same(lambda m, x: x.new_full((2, 2), 7), x)
    same(lambda m, x: x.new_full((2,), 2.5), x)
    same(lambda m, x: x.new_full([2], 2.5, dtype=m.float16), x)
    same(lambda m, x: x.new_full(3, 1), x)
    same(lambda m, x: x.new_tensor([1.5, 2.5]), x)
    same(lambda m, x: x.new_tensor([1.5, 2.5], dtype=m.float64), x)
    same(lambda m, x: x.new_tensor(m.tensor([1.5, 2.5])), x)
    same(lambda m, x: x.new_tensor(np.arange(3.)), x)
    same(lambda m, x: x.new_tensor(3), x)
    same(lambda m, x: x.new_tensor([1.], requires_grad=True), x)
    same(lambda m, x: x.new_empty_strided((2, 3), (1, 2)).zero_(), x)
    same(lambda m, x: x.new_empty((2, 3), dtype=m.float64).zero_(), x)
    same(lambda m: m.ones(2).new(), )
    same(lambda m: m.ones(2, dtype=m.int32).new(2, 3).shape)
    same(lambda m: m.ones(2, dtype=m.int32).new([1, 2]))
    same(lambda m: m.ones(2, dtype=m.float64).new([1, 2]))


# ---------------------------------------------------------------------------- empty_strided
@pytest.mark.parametrize("size,stride", [
    ((2, 3), (3, 1)), ((2, 3), (1, 2)), ((2, 3), (0, 1)), ((2, 3), (10, 2)), ((), ()),
    ((0, 3), (3, 1)), ((2, 0), (1, 5)), ((3,), (2,)), ((2, 3), (3,)), ((2, -1), (1, 1)),
    ((2, 2), (-1, 1)), ((1, 1), (7, 9)),
])
def test_empty_strided(size, stride):
    def fn(m):
        t = m.empty_strided(size, stride)
        return t.shape, t.stride(), t.storage_offset(), t.untyped_storage().nbytes(), t.dtype
    same(fn)
    same(lambda m: m.empty_strided(size, stride, dtype=m.int16).shape)


# ---------------------------------------------------------------------------- arange
ARANGE_ARGS = [
    (5,), (0,), (2, 7), (1, 10, 3), (10, 1, -3), (0, 1, 0.1), (0, 1, 0.3), (1.5,), (-2.5, 2.5),
    (0., 10., 2.5), (1, 2, 0.0001), (5, 5), (0.1, 0.7, 0.1), (1., 0., -0.25), (True,),
    (np.int32(4),), (np.float32(2.5),), (0, 3, np.int8(1)), (2 ** 40, 2 ** 40 + 5),
    (-5, -1), (0, 10, 7), (0, -10, -7), (1e-3, 1e-2, 1e-3), (0, 1, 1 / 3),
    # errors
    (0, 5, 0), (5, 0), (0, 5, -1), (float("inf"),), (0, float("nan")), (1j,), ("a",),
    (0, 1e20, 1e-20), (None,),
]


@pytest.mark.parametrize("args", ARANGE_ARGS)
def test_arange(args):
    same(lambda m: m.arange(*args))


@pytest.mark.parametrize("args", [(5,), (0, 1, 0.25), (2.5, 7), (1, 4)])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64", "float16",
                                   "bfloat16", "float32", "float64", "bool", "uint16",
                                   "complex64"])
def test_arange_dtype(args, dtype):
    same(lambda m: m.arange(*args, dtype=getattr(m, dtype)))


def test_arange_tensor_args_and_kwargs():
    same(lambda m: m.arange(m.tensor(3)))
    same(lambda m: m.arange(m.tensor(3.)))
    same(lambda m: m.arange(0, m.tensor(4), m.tensor(2)))
    same(lambda m: m.arange(m.tensor(1, dtype=m.int8), 5))
    same(lambda m: m.arange(start=1, end=4))
    same(lambda m: m.arange(end=4))
    same(lambda m: m.arange(1, 4, step=2))
    same(lambda m: m.arange(5, requires_grad=True))
    same(lambda m: m.arange(5., requires_grad=True))
    same(lambda m: m.arange(-1, 200, 1, dtype=m.uint8))
    same(with_default("float64", lambda m: m.arange(0.5, 3)))

    def out_form(m):
        o = m.empty(2, dtype=m.int32)
        r = m.arange(4, out=o)
        return r is o, o
    same(out_form)


@pytest.mark.parametrize("start,end,step", [(0, 1, 0.1), (-1, 1, 0.2), (0, 10, 0.7), (3, 1, -0.3),
                                            (0, 2.5, 0.5), (1e6, 1e6 + 1, 0.1)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_arange_float_values(start, end, step, dtype):
    same(lambda m: m.arange(start, end, step, dtype=getattr(m, dtype)))


def test_range_deprecated():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(lambda m: m.range(1, 4))
        same(lambda m: m.range(0, 1, 0.25))
        same(lambda m: m.range(1, 4, dtype=m.int64))


# ---------------------------------------------------------------------------- linspace / logspace
LIN_ARGS = [
    (0, 1, 5), (0, 1, 1), (0, 1, 0), (1, 0, 4), (-2.5, 7.25, 10), (0, 10, 11), (3, 3, 4),
    (0, 1, 2), (0, 1e-8, 7), (1j, 2 + 3j, 4), (0, 1, -1), (0, 1, 2.5), (0, 100, 1000),
    (np.float64(0), np.float32(1), 3), (0, 1, np.int64(3)),
]


@pytest.mark.parametrize("args", LIN_ARGS)
@pytest.mark.parametrize("fname", ["linspace", "logspace"])
def test_linspace_logspace(args, fname):
    same(lambda m: getattr(m, fname)(*args))


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64", "float16",
                                   "bfloat16", "float32", "float64", "complex64", "complex128"])
@pytest.mark.parametrize("args", [(0, 10, 5), (-3.7, 4.2, 6), (10, 0, 7), (0, 1, 1)])
@pytest.mark.parametrize("fname", ["linspace", "logspace"])
def test_linspace_logspace_dtype(dtype, args, fname):
    same(lambda m: getattr(m, fname)(*args, dtype=getattr(m, dtype)))


def test_linspace_logspace_more():
    same(lambda m: m.logspace(0, 3, 4, base=2))
    same(lambda m: m.logspace(0, 3, 4, 2.0))
    same(lambda m: m.logspace(-2, 2, 5, base=0.5))
    same(lambda m: m.logspace(0, 2, 3, base=2, dtype=m.int64))
    same(lambda m: m.linspace(m.tensor(0.), m.tensor(1.), 3))
    same(lambda m: m.linspace(m.tensor(0., dtype=m.float64), 1, 3))
    same(lambda m: m.linspace(m.tensor([0.]), 1, 3))
    same(lambda m: m.linspace(0, m.tensor(1j), 3))
    same(lambda m: m.linspace(0, 1, steps=3, requires_grad=True))
    same(lambda m: m.linspace(start=0, end=1, steps=3))
    same(lambda m: m.linspace(0, 1))
    same(with_default("float64", lambda m: m.linspace(0, 1, 3)))
    same(with_default("float64", lambda m: m.linspace(0, 1j, 3)))
    same(with_default("float16", lambda m: m.linspace(0, 1j, 3)))
    same(with_default("float64", lambda m: m.logspace(0, 1, 3)))

    def out_form(m):
        o = m.empty(3, dtype=m.float64)
        r = m.linspace(0, 1, 3, out=o)
        return r is o, o
    same(out_form)


# ---------------------------------------------------------------------------- eye, tri indices
@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (0, 3), (1,), (-1,), (2, -1), (2.5,)])
def test_eye(args):
    same(lambda m: m.eye(*args))
    same(lambda m: m.eye(*args, dtype=m.int32))
    same(lambda m: m.eye(*args, dtype=m.bool))


def test_eye_kwargs():
    same(lambda m: m.eye(2, requires_grad=True))
    same(lambda m: m.eye(n=2, m=3))
    same(lambda m: m.eye(2, dtype=m.complex64))

    def out_form(m):
        o = m.empty(2, 2, dtype=m.int64)
        return m.eye(2, out=o) is o, o
    same(out_form)


@pytest.mark.parametrize("args", [(3, 3), (4, 3), (3, 4), (3, 3, 1), (3, 3, -1), (4, 5, 10),
                                  (4, 5, -10), (0, 0), (0, 3), (1, 1), (5, 3, 2), (3, 5, -2),
                                  (-1, 3), (3, 3, 0)])
@pytest.mark.parametrize("fname", ["tril_indices", "triu_indices"])
def test_tri_indices(args, fname):
    same(lambda m: getattr(m, fname)(*args))
    same(lambda m: getattr(m, fname)(*args, dtype=m.int32))


def test_tri_indices_dtype_errors():
    same(lambda m: m.tril_indices(3, 3, dtype=m.float32))
    same(lambda m: m.triu_indices(3, 3, offset=1))


# ---------------------------------------------------------------------------- meshgrid
@pytest.mark.parametrize("indexing", [None, "ij", "xy"])
@pytest.mark.parametrize("shapes", [[(3,), (4,)], [(2,), (3,), (4,)], [(3,)], [(1,), (5,)],
                                    [(0,), (3,)], [(2,), ()]])
def test_meshgrid(indexing, shapes):
    kw = {} if indexing is None else {"indexing": indexing}

    def fn(m, **k):
        xs = [m.arange(float(max(1, int(np.prod(s))))).reshape(s) if s else m.tensor(2.)
              for s in shapes]
        xs = [x[:0] if s == (0,) else x for x, s in zip(xs, shapes)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = m.meshgrid(*xs, **k)
            out2 = m.meshgrid(xs, **k)
        return tuple(out), tuple(out2), [o._base is x for o, x in zip(out, xs)]
    same(fn, kwargs=kw)


def test_meshgrid_errors_and_grad():
    same(lambda m: m.meshgrid(m.arange(2), m.arange(3.), indexing="ij"))
    same(lambda m: m.meshgrid(m.arange(2), m.ones(2, 2), indexing="ij"))
    same(lambda m: m.meshgrid(m.arange(2), indexing="foo"))
    same(lambda m: m.meshgrid(indexing="ij"))
    same(lambda m, a, b: m.meshgrid(a, b, indexing="xy"), Arr(np.arange(2.), requires_grad=True),
         Arr(np.arange(3.), requires_grad=True), grad=True, check_grad_fn=True)


def test_meshgrid_warns_without_indexing():
    with pytest.warns(UserWarning, match="indexing"):
        ember.meshgrid(ember.arange(2), ember.arange(3))


# ---------------------------------------------------------------------------- complex / polar
@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16", "int64"])
def test_complex_polar(dt):
    a = Arr(np.array([1., -2., 0.5]), dtype=dt)
    b = Arr(np.array([0.5, 3., -1.]), dtype=dt)
    same(lambda m, x, y: m.complex(x, y), a, b)
    same(lambda m, x, y: m.polar(x, y), a, b)


def test_complex_polar_more():
    same(lambda m, x, y: m.complex(x, y), Arr(np.ones(3)), Arr(np.ones(3), dtype="float32"))
    same(lambda m, x, y: m.complex(x, y), Arr(np.ones((2, 1))), Arr(np.ones(3)))
    same(lambda m, x, y: m.complex(x, y), Arr(np.ones((2, 3))), Arr(np.ones(4)))
    same(lambda m, x, y: m.polar(x, y), Arr(np.ones((2, 1))), Arr(np.arange(3.)))
    same(lambda m, x, y: m.complex(x, y), Arr(np.arange(6.).reshape(2, 3), layout="transposed"),
         Arr(np.arange(6.).reshape(2, 3), layout="transposed"))
    same(lambda m, x, y: m.complex(x, y), Arr(np.ones(3), requires_grad=True),
         Arr(np.ones(3), requires_grad=True), check_grad_fn=True)
    same(lambda m, x, y: m.polar(x, y), Arr(np.ones(3), requires_grad=True),
         Arr(np.arange(3.), requires_grad=True), check_grad_fn=True)
    same(lambda m: m.complex(m.tensor(1.), m.tensor(2.)))
    same(lambda m: m.complex(1., 2.))

    def out_form(m):
        o = m.empty(2, dtype=m.complex64)
        return m.complex(m.ones(2), m.zeros(2), out=o) is o, o
    same(out_form)


# ---------------------------------------------------------------------------- scalar_tensor
@pytest.mark.parametrize("v", [3, 2.5, True, 1j, -7, np.float16(2), 2 ** 70, float("inf")])
@pytest.mark.parametrize("dtype", [None, "int32", "float64", "bool", "complex64", "uint8"])
def test_scalar_tensor(v, dtype):
    kw = {} if dtype is None else {"dtype": DType(dtype)}
    same(lambda m, **k: m.scalar_tensor(v, **k), kwargs=kw)


def test_scalar_tensor_more():
    same(lambda m: m.scalar_tensor(2, requires_grad=True))
    same(lambda m: m.scalar_tensor(m.tensor(2)))
    same(lambda m: m.scalar_tensor("a"))
    same(with_default("float64", lambda m: m.scalar_tensor(1j)))
    same(with_default("float16", lambda m: m.scalar_tensor(1)))


# ---------------------------------------------------------------------------- legacy constructors
LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "ByteTensor",
          "CharTensor", "ShortTensor", "IntTensor", "LongTensor", "BoolTensor"]


@pytest.mark.parametrize("name", LEGACY + ["Tensor"])
@pytest.mark.parametrize("args", [(), (2, 3), ([1, 2],), ([[1.5, 2.5]],), ((1, 0),), (0,),
                                  (np.array([1., 2.]),), ("Size",), (2.5,), ([1, [2]],),
                                  (-1,), ("abc",), (3, "x"), (np.int64(2),)])
def test_legacy_constructors(name, args):
    def fn(m):
        a = (m.Size([2, 1]),) if args and isinstance(args[0], str) and args[0] == "Size" else args
        t = getattr(m, name)(*a)
        if len(a) and type(a[0]) not in (list, tuple, np.ndarray):
            t = t.zero_()   # sizes: uninitialised memory
        return t, type(t).__name__, isinstance(t, getattr(m, name)), isinstance(t, m.Tensor)
    same(fn)


def test_legacy_from_tensor_and_storage():
    same(lambda m: m.FloatTensor(m.ones(2)))
    same(lambda m: m.FloatTensor(m.ones(2, dtype=m.float64)))
    same(lambda m: m.Tensor(m.ones(2, dtype=m.int32)))
    same(lambda m: m.Tensor(m.ones(2)))
    same(lambda m: m.LongTensor(m.ones(2, dtype=m.int64)).data_ptr() == 0)

    def shares(m):
        src = m.ones(2)
        t = m.FloatTensor(src)
        t[0] = 5
        return src, t.data_ptr() == src.data_ptr()
    same(shares)
    same(lambda m: m.Tensor(2, 3, device="cpu").shape)
    same(lambda m: m.FloatTensor(2, dtype=m.float64))
    same(lambda m: m.Tensor([1, 2], requires_grad=True))
    same(with_default("float64", lambda m: m.Tensor([1, 2])))
    same(with_default("float64", lambda m: type(m.Tensor(2)).__name__))


@pytest.mark.parametrize("name", LEGACY)
@pytest.mark.parametrize("src", ["float32", "int64", "bool", "float64", "bfloat16"])
def test_isinstance_legacy(name, src):
    same(lambda m: (isinstance(m.zeros(2, dtype=getattr(m, src)), getattr(m, name)),
                    isinstance(m.zeros(2, dtype=getattr(m, src)), m.Tensor),
                    isinstance(3, getattr(m, name))))


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_class_attributes(name):
    same(lambda m: getattr(m, name).dtype)
    same(lambda m: getattr(m, name).is_sparse if hasattr(getattr(m, name), "is_sparse") else False)
    same(lambda m: getattr(m, name).__name__)
    same(lambda m: getattr(m, name).__module__.replace("ember", "torch"))


# ---------------------------------------------------------------------------- .type()
@pytest.mark.parametrize("src", ["float32", "int64", "bool", "float64", "bfloat16", "uint8",
                                 "complex64", "float16", "int8", "int16", "int32"])
def test_type_name(src):
    same(lambda m: m.zeros(2, dtype=getattr(m, src)).type().replace("ember", "torch"))


@pytest.mark.parametrize("target", ["torch.IntTensor", "torch.FloatTensor", "torch.DoubleTensor",
                                    "torch.LongTensor", "torch.BoolTensor", "torch.HalfTensor",
                                    "IntTensor", "torch.foo", "float32", "torch.float32",
                                    "torch.BFloat16Tensor", "torch.ByteTensor"])
def test_type_string(target):
    def fn(m):
        name = target.replace("torch", m.__name__)
        t = m.arange(3.).t()
        r = t.type(name)
        return r, r is t
    same(fn)


@pytest.mark.parametrize("target", ["int32", "float32", "float64", "int64", "LongTensor",
                                    "FloatTensor", "complex64"])
def test_type_dtype(target):
    def fn(m):
        t = m.arange(3.)
        r = t.type(getattr(m, target))
        return r, r is t
    same(fn)
    same(lambda m: m.ones(2, requires_grad=True).type(m.float64).grad_fn is not None)
    same(lambda m: m.ones(2).type(dtype=m.int32))
    same(lambda m: m.ones(2).type(m.int32, non_blocking=True))
    same(lambda m: m.ones(2).type(3))
    same(lambda m: m.ones(2).type(float))
    same(lambda m: m.ones(2).type(np.float32))
    same(lambda m: m.ones(2).type(None).replace("ember", "torch"))
    same(lambda m: m.ones(2, 3).t().type(m.int32))
    same(lambda m: m.ones(2).type(m.uint16))


# lists of 0-dim tensors and of NumPy arrays take a stacked path; it must keep the per-element
# rules (which element types an integer or bool dtype accepts, overflow checks)
BLOCK_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "uint64", "float16", "bfloat16",
                "float32", "float64", "complex64", "complex128"]


@pytest.mark.parametrize("target", [None] + BLOCK_DTYPES)
@pytest.mark.parametrize("src", [d for d in BLOCK_DTYPES if d != "uint64"])
@pytest.mark.parametrize("vals", [[1, 0, 3], [200, -1, 7], [1.5, -2.5, 0.0]])
def test_tensor_from_lists_of_tensors(src, target, vals):
    def fn(m):
        kw = {} if target is None else {"dtype": getattr(m, target)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            items = [m.tensor(v).to(getattr(m, src)) for v in vals]
            return m.tensor(items, **kw)
    same(fn)


@pytest.mark.parametrize("target", [None] + BLOCK_DTYPES)
@pytest.mark.parametrize("src", ["bool", "uint8", "int8", "int32", "int64", "uint64", "float16",
                                 "float32", "float64", "complex64", "complex128"])
@pytest.mark.parametrize("vals", [[[1, 0], [3, 4]], [[200, 7], [1, 300]], [[1.5, -2.5], [0.0, 2.0]]])
def test_tensor_from_lists_of_arrays(src, target, vals):
    def fn(m):
        kw = {} if target is None else {"dtype": getattr(m, target)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            items = [np.array(v).astype(src) for v in vals]
            return m.tensor(items, **kw)
    same(fn)


def test_tensor_from_mixed_arrays():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(lambda m: m.tensor([np.zeros(2), np.zeros(3)]))
        same(lambda m: m.tensor([np.zeros(2), np.zeros(2, np.float32)]))
        same(lambda m: m.tensor([m.tensor(1), m.tensor(2.5)]))
        same(lambda m: m.tensor([m.tensor(1), m.tensor([2])]))
        same(lambda m: m.tensor([m.tensor(1), 2]))


@pytest.mark.parametrize("make", [
    lambda m, o: m.zeros(2, 3, out=o), lambda m, o: m.ones(4, out=o), lambda m, o: m.empty(0, out=o).shape,
    lambda m, o: m.full((2,), 7, out=o), lambda m, o: m.arange(5, out=o), lambda m, o: m.linspace(0, 1, 3, out=o),
    lambda m, o: m.eye(2, out=o), lambda m, o: m.logspace(0, 1, 2, out=o) if False else m.zeros(1, out=o),
])
@pytest.mark.parametrize("out", ["float32_same", "int64_small", "float64_big", "view"])
def test_factory_out(make, out):
    def fn(m):
        o = {"float32_same": lambda: m.zeros(2, 3), "int64_small": lambda: m.zeros(1, dtype=m.int64),
             "float64_big": lambda: m.zeros(10, dtype=m.float64),
             "view": lambda: m.zeros(4, 4)[:, 0]}[out]()
        r = make(m, o)
        return r, o, (r is o) if isinstance(r, type(o)) else None, o._version
    same(fn)
