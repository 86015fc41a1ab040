"""Tensor basics against PyTorch: ``Size``, the size/dim/numel facts, Python number protocols
(``item``, ``float``, ``int``, ``bool``, ``index``, ``format``), iteration, NumPy and DLPack
interop (memory sharing both ways, also with real PyTorch), copying and pickling.
"""
import copy
import operator
import pickle
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr, DType

warnings.filterwarnings("ignore", message="The use of `x.T`")

same = check_same

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "complex64", "complex128", "uint16", "uint32", "uint64"]

SRC = {
    "matrix": lambda m: m.arange(6.).view(2, 3),
    "scalar": lambda m: m.tensor(2.5),
    "int_scalar": lambda m: m.tensor(7),
    "one": lambda m: m.tensor([3]),
    "one2d": lambda m: m.tensor([[1.5]]),
    "empty": lambda m: m.zeros(0, 3),
    "vec": lambda m: m.arange(4),
    "transposed": lambda m: m.arange(6.).view(2, 3).t(),
    "bool": lambda m: m.tensor([True, False]),
    "bool0": lambda m: m.tensor(False),
    "complex0": lambda m: m.tensor(1 + 2j),
    "complexr": lambda m: m.tensor(3 + 0j),
    "half0": lambda m: m.tensor(1.5, dtype=m.float16),
    "bf16": lambda m: m.tensor([1.5, 2], dtype=m.bfloat16),
    "nan": lambda m: m.tensor(float("nan")),
    "inf": lambda m: m.tensor(float("-inf")),
    "grad": lambda m: m.tensor([1., 2.], requires_grad=True),
    "grad0": lambda m: m.tensor(1.5, requires_grad=True),
    "u64": lambda m: m.tensor([2 ** 63 + 1], dtype=m.uint64),
    "i8": lambda m: m.tensor(-5, dtype=m.int8),
}


def on(name, fn):
    return lambda m: fn(m, SRC[name](m))


# ---------------------------------------------------------------------------- Size
def test_size_type():
    same(lambda m: m.Size([2, 3]))
    same(lambda m: m.Size((2, 3)))
    same(lambda m: m.Size())
    same(lambda m: m.Size([]))
    same(lambda m: repr(m.Size([2, 3])).replace("ember", "torch"))
    same(lambda m: str(m.Size([2, 3])).replace("ember", "torch"))
    same(lambda m: repr(m.Size([])).replace("ember", "torch"))
    same(lambda m: repr(m.Size([5])).replace("ember", "torch"))
    same(lambda m: m.Size([2, 3]).numel())
    same(lambda m: m.Size([]).numel())
    same(lambda m: m.Size([2, 0]).numel())
    same(lambda m: m.Size([2, 3])[1:])
    same(lambda m: m.Size([2, 3])[::-1])
    same(lambda m: m.Size([2, 3])[0])
    same(lambda m: m.Size([2, 3])[-1])
    same(lambda m: m.Size([2, 3]) + m.Size([4]))
    same(lambda m: m.Size([2, 3]) + (4,))
    same(lambda m: (4,) + m.Size([2, 3]))
    same(lambda m: m.Size([2]) * 2)
    same(lambda m: 2 * m.Size([2]))
    same(lambda m: m.Size([2, 3]) == (2, 3))
    same(lambda m: m.Size([2, 3]) == [2, 3])
    same(lambda m: m.Size([2, 3]) != m.Size([2, 3]))
    same(lambda m: isinstance(m.Size([2]), tuple))
    same(lambda m: hash(m.Size([2, 3])) == hash((2, 3)))
    same(lambda m: len(m.Size([2, 3])))
    same(lambda m: list(m.Size([2, 3])))
    same(lambda m: m.Size([2, 3]).index(3))
    same(lambda m: m.Size([2, 3]).count(2))
    same(lambda m: m.Size([np.int64(2), m.tensor(3)]))
    same(lambda m: m.Size([2.5]))
    same(lambda m: m.Size(["a"]))
    same(lambda m: m.Size([m.tensor([1, 2])]))
    same(lambda m: m.Size(3))
    same(lambda m: m.Size([True]))
    same(lambda m: m.Size([-1]))
    same(lambda m: type(m.Size([2, 3])[1:]).__name__)
    same(lambda m: type(m.Size([2]) + m.Size([3])).__name__)
    same(lambda m: type(m.Size([2]) * 2).__name__)
    same(lambda m: pickle.loads(pickle.dumps(m.Size([2, 3]))))
    same(lambda m: copy.deepcopy(m.Size([2, 3])))
    same(lambda m: m.zeros(2, 3).shape == m.Size([2, 3]))
    same(lambda m: m.Size([2, 3]).numel.__doc__ is not None)


# ---------------------------------------------------------------------------- facts
@pytest.mark.parametrize("name", list(SRC))
def test_facts(name):
    same(on(name, lambda m, x: (x.shape, x.size(), x.dim(), x.ndim, x.ndimension(), x.numel(),
                                x.nelement(), m.numel(x), x.element_size(), x.itemsize, x.nbytes,
                                x.dtype, x.is_floating_point(), x.is_complex(), x.is_signed(),
                                m.is_tensor(x), m.is_floating_point(x), m.is_complex(x),
                                x.is_leaf, x.requires_grad, x.is_cuda, x.is_cpu, x.is_sparse,
                                x.is_quantized, x.is_meta, x.layout == m.strided,
                                x.is_contiguous(), x.is_inference(), x.is_pinned())))
    same(on(name, lambda m, x: [x.size(d) for d in range(-x.dim(), x.dim())]))
    same(on(name, lambda m, x: [x.shape[d] for d in range(x.dim())]))
    same(on(name, lambda m, x: x.size(x.dim())))
    same(on(name, lambda m, x: x.size(-x.dim() - 1)))
    same(on(name, lambda m, x: x.size(1.5)))
    same(on(name, lambda m, x: x.stride(1.5)))
    same(on(name, lambda m, x: x.size(dim=0) if x.dim() else x.size()))


@pytest.mark.parametrize("dt", DTYPES)
def test_dtype_facts(dt):
    same(lambda m: (lambda x: (x.element_size(), x.itemsize, x.nbytes, x.is_floating_point(),
                               x.is_complex(), x.is_signed(), x.dtype.itemsize,
                               x.dtype.is_floating_point, x.dtype.is_complex, x.dtype.is_signed))(
        m.zeros(2, 3, dtype=getattr(m, dt))))


# ---------------------------------------------------------------------------- number protocols
NUMBER_OPS = {
    "item": lambda m, x: x.item(),
    "float": lambda m, x: float(x),
    "int": lambda m, x: int(x),
    "complex": lambda m, x: complex(x),
    "bool": lambda m, x: bool(x),
    "index": lambda m, x: operator.index(x),
    "list_index": lambda m, x: [10, 11, 12, 13, 14, 15, 16, 17, 18][x],
    "range": lambda m, x: list(range(x)),
    "tolist": lambda m, x: x.tolist(),
    "len": lambda m, x: len(x),
    "list": lambda m, x: [y.tolist() for y in x],
    "iter_views": lambda m, x: [(y._base is x, y.shape) for y in iter(x)],
    "not": lambda m, x: not x,
    "if": lambda m, x: 1 if x else 0,
    "hash": lambda m, x: hash(x) == id(x),
    "round": lambda m, x: round(x),
    "math_floor": lambda m, x: __import__("math").floor(x),
    "format_empty": lambda m, x: f"{x}" == str(x),
    "format_2f": lambda m, x: f"{x:.2f}",
    "format_d": lambda m, x: f"{x:04d}",
    "format_right": lambda m, x: f"{x:>10}",
    "format_e": lambda m, x: f"{x:e}",
    "format_g": lambda m, x: format(x, "g"),
    "format_str": lambda m, x: format(x, "").replace("ember", "torch"),
    "in": lambda m, x: 2 in x,
    "divmod": lambda m, x: divmod(x, 2) if x.dim() == 0 else None,
}


@pytest.mark.parametrize("name", list(SRC))
@pytest.mark.parametrize("op", list(NUMBER_OPS))
def test_number_protocols(op, name):
    if op == "complex" and name == "nan":
        pytest.skip("complex NaNs never compare equal")
    same(on(name, NUMBER_OPS[op]))


def test_item_types():
    for dt in DTYPES:
        same(lambda m: type(m.ones(1, dtype=getattr(m, dt)).item()).__name__)
        same(lambda m: m.ones(1, dtype=getattr(m, dt)).item())
        same(lambda m: m.ones(2, 2, dtype=getattr(m, dt)).tolist())
        same(lambda m: type(m.ones((), dtype=getattr(m, dt)).tolist()).__name__)
    same(lambda m: m.tensor([1.1], dtype=m.float32).item())
    same(lambda m: m.tensor([1.1], dtype=m.float16).tolist())
    same(lambda m: m.tensor([1.1], dtype=m.bfloat16).tolist())
    same(lambda m: m.tensor([[1 + 2j]], dtype=m.complex64).tolist())
    same(lambda m: m.zeros(2, 0).tolist())
    same(lambda m: m.zeros(0, 2).tolist())
    same(lambda m: m.arange(6).view(2, 3).t().tolist())
    same(lambda m: m.tensor(2.5, requires_grad=True).item())
    same(lambda m: m.tensor([2.5], requires_grad=True).tolist())


# ---------------------------------------------------------------------------- NumPy interop
@pytest.mark.parametrize("dt", [d for d in DTYPES if d != "bfloat16"])
def test_array_protocol(dt):
    def fn(m):
        x = m.arange(6).view(2, 3).to(getattr(m, dt))
        a = np.asarray(x)
        a2 = np.array(x)
        return a.dtype.name, a.shape, a.tolist(), a2.tolist(), np.shares_memory(a, x.numpy())
    same(fn)


def test_array_protocol_more():
    same(lambda m: np.asarray(m.arange(6.).view(2, 3).t()).strides)
    same(lambda m: np.asarray(m.tensor(2.5)).shape)
    same(lambda m: np.asarray(m.tensor([1, 2]), dtype=np.float32).tolist())
    same(lambda m: np.asarray(m.ones(2, requires_grad=True)))
    same(lambda m: np.asarray(m.ones(2, dtype=m.bfloat16)))
    same(lambda m: np.add(m.ones(2).numpy(), 1).tolist())
    same(lambda m: np.array([m.tensor(1.), m.tensor(2.)]).tolist())

    def shares(m):
        x = m.zeros(3)
        a = np.asarray(x)
        a[0] = 5
        return x
    same(shares)


def test_array_interface():
    x = ember.arange(6.).view(2, 3)
    ai = x.__array_interface__
    assert ai["shape"] == (2, 3) and ai["typestr"] == "<f4" and ai["data"][0] == x.data_ptr()
    y = np.asarray(x.t())
    assert y.strides == (4, 12) and np.shares_memory(y, x.numpy())
    with pytest.raises(RuntimeError, match="requires grad"):
        ember.ones(2, requires_grad=True).__array_interface__


@pytest.mark.parametrize("make", [
    lambda m: m.arange(6.).view(2, 3), lambda m: m.arange(6.).view(2, 3).t(),
    lambda m: m.arange(12, dtype=m.int32).view(3, 4)[:, ::2], lambda m: m.tensor(3.5),
    lambda m: m.zeros(0, 3), lambda m: m.tensor([True, False]),
    lambda m: m.tensor([1 + 2j], dtype=m.complex64), lambda m: m.arange(4, dtype=m.uint8),
])
def test_dlpack_numpy_roundtrip(make):
    def fn(m):
        x = make(m)
        a = np.from_dlpack(x)
        back = m.from_dlpack(a)
        shares = (a.size == 0) or np.shares_memory(a, x.numpy())
        return (a.tolist(), a.dtype.name, a.strides if a.size else None, back,
                back.data_ptr() == x.data_ptr(), shares)
    same(fn)


def test_dlpack_device_and_errors():
    same(lambda m: tuple(int(v) for v in m.ones(2).__dlpack_device__()))
    same(lambda m: m.ones(2, requires_grad=True).__dlpack__())
    same(lambda m: type(m.ones(2).__dlpack__()).__name__)
    same(lambda m: m.from_dlpack(np.arange(3.).__dlpack__()).tolist())
    same(lambda m: m.from_dlpack(np.arange(3.)))
    same(lambda m: m.from_dlpack([1, 2]))

    def is_same_obj(m):
        x = m.ones(2)
        return m.from_dlpack(x) is x, m.from_dlpack(x).data_ptr() == x.data_ptr()
    same(is_same_obj)


def test_dlpack_with_real_torch():
    # ember -> torch: torch.from_dlpack on an ember tensor shares its memory
    x = ember.arange(6.).view(2, 3)
    t = torch.from_dlpack(x)
    assert t.shape == (2, 3) and t.dtype == torch.float32 and t.stride() == (3, 1)
    t[0, 0] = 42
    assert x[0, 0].item() == 42
    xt = ember.arange(6.).view(2, 3).t()
    tt = torch.from_dlpack(xt)
    assert tt.stride() == (1, 3) and tt.tolist() == xt.tolist()
    assert torch.from_dlpack(ember.tensor([True, False])).tolist() == [True, False]
    # torch -> ember
    src = torch.arange(6.).view(2, 3)
    e = ember.from_dlpack(src)
    assert e.shape == (2, 3) and e.dtype == ember.float32 and e.stride() == (3, 1)
    e[1, 1] = -1
    assert src[1, 1].item() == -1
    e2 = ember.from_dlpack(torch.arange(6).view(2, 3).t())
    assert e2.stride() == (1, 3) and e2.dtype == ember.int64
    # bfloat16 goes both ways too
    eb = ember.from_dlpack(torch.tensor([1.5, 2.5], dtype=torch.bfloat16))
    assert eb.dtype == ember.bfloat16 and eb.tolist() == [1.5, 2.5]
    tb = torch.from_dlpack(ember.tensor([1.5, 2.5], dtype=ember.bfloat16))
    assert tb.dtype == torch.bfloat16 and tb.tolist() == [1.5, 2.5]


# ---------------------------------------------------------------------------- copy / pickle
@pytest.mark.parametrize("name", list(SRC))
def test_deepcopy(name):
    def fn(m, x):
        y = copy.deepcopy(x)
        return (y, y is not x, y.data_ptr() != x.data_ptr() or x.numel() == 0, y.requires_grad,
                y.is_leaf, y.stride(), type(y).__name__)
    same(on(name, fn))


def test_deepcopy_more():
    def shared(m):
        x = m.arange(6.)
        v = x[1:4]
        a, b = copy.deepcopy([x, x])
        c, d = copy.deepcopy((x, v))
        return a is b, d._base is None, c.data_ptr() == d.data_ptr(), d.storage_offset(), d
    same(shared)

    def with_grad_and_attrs(m):
        x = m.ones(2, requires_grad=True)
        (x * 2).sum().backward()
        x.foo = [1, 2]
        y = copy.deepcopy(x)
        return y.grad, y.foo, y.foo is not x.foo, y.requires_grad
    same(with_grad_and_attrs)

    same(lambda m: copy.deepcopy(m.ones(2, requires_grad=True) * 2))
    same(lambda m: copy.copy(m.ones(2)))

    def copy_shares(m):
        x = m.ones(2)
        y = copy.copy(x)
        return y is x, y.data_ptr() == x.data_ptr()
    same(copy_shares)


@pytest.mark.parametrize("name", [n for n in SRC if n != "u64"])  # PyTorch fails on uint64
def test_pickle(name):
    def fn(m, x):
        y = pickle.loads(pickle.dumps(x))
        return y, y.stride(), y.requires_grad, y.is_leaf
    same(on(name, fn))


def test_pickle_more():
    same(lambda m: pickle.loads(pickle.dumps(m.ones(2, requires_grad=True) * 2)))
    same(lambda m: pickle.loads(pickle.dumps(m.arange(10.)[2:5])).storage_offset())

    def shared_storage(m):
        x = m.arange(6.)
        a, b = pickle.loads(pickle.dumps((x, x[2:])))
        a[2] = 99
        return b, b.storage_offset()
    same(shared_storage)
    same(lambda m: repr(pickle.loads(pickle.dumps([m.float32, m.device("cpu"), m.Size([2])])))
         .replace("ember", "torch"))


# ---------------------------------------------------------------------------- misc
def test_repr_str_basic():
    same(lambda m: repr(m.tensor([1., 2.])).replace("ember", "torch"))
    same(lambda m: str(m.arange(3)).replace("ember", "torch"))
    same(lambda m: repr(m.zeros(2, 0)).replace("ember", "torch"))


def test_hash_identity():
    def fn(m):
        a, b = m.ones(2), m.ones(2)
        d = {a: 1, b: 2}
        return len(d), d[a], a in {a}, hash(a) == hash(a), hash(a) != hash(b)
    same(fn)


def test_iteration_grad():
    same(lambda m, x: [y * 2 for y in x], Arr(np.arange(6.).reshape(2, 3), requires_grad=True),
         grad=True, check_grad_fn=True)


def test_numpy_method_errors():
    same(lambda m: m.ones(2, requires_grad=True).numpy())
    same(lambda m: m.ones(2, dtype=m.bfloat16).numpy())
    same(lambda m: m.ones(2, dtype=m.float16).numpy().dtype.name)
    same(lambda m: m.ones(2, requires_grad=True).detach().numpy().tolist())
    same(lambda m: m.ones(2, requires_grad=True).numpy(force=True).tolist())
    same(lambda m: m.ones(2).numpy(True))
    same(lambda m: m.tensor(3.).numpy().shape)

    def new_object_each_call(m):
        x = m.ones(2)
        return x.numpy() is x.numpy(), np.shares_memory(x.numpy(), x.numpy())
    same(new_object_each_call)


def test_bool_errors_and_values():
    for v in ([0.], [1], [[0]], [], [1, 2], [float("nan")], [0j]):
        same(lambda m, v=v: bool(m.tensor(v)))


def test_cuda_array_interface_on_cpu():
    same(lambda m: m.ones(2).__cuda_array_interface__)
    same(lambda m: hasattr(m.ones(2), "__cuda_array_interface__"))
