"""Devices and storages against PyTorch (CPU build): ``device`` parsing, printing, equality and
errors, the default device, ``Tensor.device``/``to``/``cpu``/``cuda`` (PyTorch's CPU-build
errors without CUDA), ``ember.cuda.is_available``, and the untyped/typed storage API.
"""
import copy
import pickle
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, DType

warnings.filterwarnings("ignore", message="TypedStorage is deprecated")

same = check_same
HAVE_CUDA = ember.cuda.is_available()
assert HAVE_CUDA == torch.cuda.is_available() or HAVE_CUDA, "ember sees no GPU where torch does"


def rep(x):
    return repr(x).replace("ember", "torch")


# ---------------------------------------------------------------------------- device
DEVICE_ARGS = [
    ("cpu",), ("cuda",), ("cuda:1",), ("cuda", 1), ("cpu", 0), ("cuda:0",), ("meta",), ("mps:0",),
    ("xla:3",), ("privateuseone",), ("cuda", None),
    # errors
    ("cuda:-1",), ("cuda:01",), ("cuda:1:2",), ("cuda:",), ("foo",), ("cuda:a",), ("CPU",),
    (" cpu",), ("cuda", -1), ("cuda:1", 1), ("cuda", 1.5), (1.5,), (None,), (), ("cuda", True),
    ("cuda:99999999999",), ("cuda", "1"), ("cpu", 0, 1),
]


@pytest.mark.parametrize("args", DEVICE_ARGS)
def test_device_parse(args):
    same(lambda m: rep(m.device(*args)))
    same(lambda m: str(m.device(*args)))
    same(lambda m: (m.device(*args).type, m.device(*args).index))


@pytest.mark.skipif(HAVE_CUDA, reason="a GPU changes what a bare index means")
@pytest.mark.parametrize("args", [(0,), (1,), (-1,)])
def test_device_int_without_accelerator(args):
    same(lambda m: m.device(*args))


def test_device_keywords_and_objects():
    same(lambda m: rep(m.device(type="cuda", index=2)))
    same(lambda m: rep(m.device(type="cuda")))
    same(lambda m: rep(m.device("cuda", index=3)))
    same(lambda m: rep(m.device(m.device("cuda:1"))))
    same(lambda m: m.device(m.device("cuda:1"), 0))
    same(lambda m: m.device(index=0))
    same(lambda m: m.device("cpu", foo=1))
    same(lambda m: rep(m.device("cpu", index=None)))
    same(lambda m: isinstance(m.device("cpu"), m.device))
    same(lambda m: type(m.device("cpu")).__name__)
    same(lambda m: m.device.__module__.replace("ember", "torch"))


def test_device_equality_hash_format():
    same(lambda m: m.device("cpu") == m.device("cpu"))
    same(lambda m: m.device("cpu") == "cpu")
    same(lambda m: m.device("cpu") != "cpu")
    same(lambda m: m.device("cpu") == m.device("cpu", 0))
    same(lambda m: m.device("cuda") == m.device("cuda:0"))
    same(lambda m: m.device("cuda:1") == m.device("cuda", 1))
    same(lambda m: m.device("cpu") == 3)
    same(lambda m: m.device("cpu") != m.device("cuda"))
    same(lambda m: m.device("cpu").__eq__("cpu") is NotImplemented)
    same(lambda m: hash(m.device("cuda:1")) == hash(m.device("cuda", 1)))
    same(lambda m: {m.device("cpu"): 1}[m.device("cpu")])
    same(lambda m: len({m.device("cpu"), m.device("cpu"), m.device("cpu", 0)}))
    same(lambda m: m.device("cuda:1") < m.device("cuda:2"))
    same(lambda m: f"{m.device('cuda:1')}")
    same(lambda m: format(m.device("cpu"), ">6"))
    same(lambda m: rep(pickle.loads(pickle.dumps(m.device("cuda:1")))))
    same(lambda m: rep(copy.deepcopy(m.device("cuda", 2))))
    same(lambda m: m.device("cpu").__reduce__()[1])


def test_default_device():
    same(lambda m: rep(m.get_default_device()))

    def ctx(m):
        with m.device("cpu") as d:
            inner = (rep(m.zeros(2).device), rep(m.get_default_device()), rep(d))
        return inner, rep(m.get_default_device())
    same(ctx)

    def set_default(m):
        m.set_default_device("cpu")
        try:
            return rep(m.get_default_device()), rep(m.zeros(1).device)
        finally:
            m.set_default_device(None)
    same(set_default)


@pytest.mark.skipif(HAVE_CUDA, reason="checks PyTorch's CPU-build errors")
def test_default_device_cuda_without_gpu():
    def fn(m, what):
        with m.device("cuda"):
            return {"zeros": lambda: m.zeros(2), "tensor": lambda: m.tensor([1]),
                    "get": lambda: m.get_default_device(), "arange": lambda: m.arange(3)}[what]()
    for what in ("zeros", "tensor", "get", "arange"):
        same(lambda m: fn(m, what), match_message=False)
        with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled"):
            fn(ember, what)


# ---------------------------------------------------------------------------- tensors and devices
def test_tensor_device_facts():
    same(lambda m: rep(m.zeros(2).device))
    same(lambda m: (m.zeros(2).is_cuda, m.zeros(2).is_cpu, m.zeros(2).get_device()))
    same(lambda m: rep(m.zeros(2, device="cpu:0").device))
    same(lambda m: rep(m.zeros(2, device=m.device("cpu")).device))
    same(lambda m: rep(m.tensor([1], device="cpu").device))
    same(lambda m: rep(m.zeros(2).to(device="cpu:0").device))
    same(lambda m: rep(m.arange(3, device="cpu").device))
    same(lambda m: rep(m.empty(2, device=None).device))
    same(lambda m: m.zeros(2, device="foo"))
    same(lambda m: m.zeros(2, device=1.5))


@pytest.mark.skipif(HAVE_CUDA, reason="checks PyTorch's CPU-build errors")
@pytest.mark.parametrize("make", [
    lambda m: m.zeros(2, device="cuda"), lambda m: m.zeros(2).cuda(), lambda m: m.zeros(2).to("cuda"),
    lambda m: m.zeros(2).to("cuda:0"), lambda m: m.zeros(2).to(m.device("cuda")),
    lambda m: m.zeros(2).cuda(device="cuda:0"), lambda m: m.zeros(2).cuda(non_blocking=True),
    lambda m: m.tensor([1.], device="cuda"), lambda m: m.ones(2).to("cuda", m.float64),
    lambda m: m.full((2,), 1., device="cuda:1"),
])
def test_cuda_without_gpu(make):
    # PyTorch's CPU build raises AssertionError('Torch not compiled with CUDA enabled'); ember's
    # message starts the same way and says how to get the CUDA backend
    try:
        make(torch)
    except (AssertionError, RuntimeError) as e:
        te = e
    else:
        pytest.fail("torch did not raise")
    if isinstance(te, AssertionError):
        with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled"):
            make(ember)
    else:
        with pytest.raises(type(te)):
            make(ember)


@pytest.mark.skipif(HAVE_CUDA, reason="checks PyTorch's CPU-build errors")
def test_cuda_int_device_without_gpu():
    same(lambda m: m.zeros(2).cuda(1))
    same(lambda m: m.zeros(2).to(0))
    same(lambda m: m.zeros(2, device=0))


def test_cuda_module():
    same(lambda m: (m.cuda.is_available(), m.cuda.device_count()) if not HAVE_CUDA else (False, 0))
    assert isinstance(ember.cuda.is_available(), bool)
    assert isinstance(ember.cuda.device_count(), int)
    assert (ember.cuda.device_count() > 0) == ember.cuda.is_available()


@pytest.mark.parametrize("args,kwargs", [
    ((), {}), (("cpu",), {}), ((DType("float64"),), {}), (("cpu", DType("float64")), {}),
    ((), {"dtype": DType("int32")}), ((), {"device": "cpu"}), ((), {"device": "cpu", "dtype": DType("float64")}),
    ((DType("float32"),), {}), ((DType("float32"),), {"copy": True}), (("cpu",), {"copy": True}),
    ((DType("float64"), True, True), {}), (("cpu", DType("float64"), True, True), {}),
    ((None,), {}), ((None, DType("int32")), {}), ((), {"memory_format": "channels_last"}),
    ((DType("float64"),), {"memory_format": "contiguous_format"}), ((), {"memory_format": "preserve_format"}),
    ((float,), {}), ((int,), {}), ((bool,), {}), ((complex,), {}), ((True,), {}), ((2.5,), {}),
    ((np.float32,), {}), (("foo",), {}), ((DType("float32"), DType("float64")), {}),
    ((), {"dtype": "x", "device": "cpu"}), ((), {"foo": 1}), ((DType("float64"),), {"non_blocking": 1}),
    ((DType("float64"), False, False, "contiguous_format"), {}), (("mps",), {}), (("cpu:0",), {}),
    ((), {"non_blocking": True}), (("cpu", None), {}), (("cpu", DType("float64"), True), {"copy": True}),
])
@pytest.mark.parametrize("src", ["contig", "transposed", "grad", "int", "cl"])
def test_to_overloads(args, kwargs, src):
    def fn(m):
        x = {"contig": lambda: m.arange(6.).view(2, 3), "transposed": lambda: m.arange(6.).view(2, 3).t(),
             "grad": lambda: m.arange(3.).requires_grad_(), "int": lambda: m.arange(6).view(3, 2),
             "cl": lambda: m.zeros(2, 3, 4, 5).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)}[src]()
        a = [getattr(m, x_.name) if isinstance(x_, DType) else
             (getattr(m, x_) if isinstance(x_, str) and x_.endswith("format") else x_) for x_ in args]
        k = {key: (getattr(m, v.name) if isinstance(v, DType) else
                   (getattr(m, v) if isinstance(v, str) and v.endswith("format") else v))
             for key, v in kwargs.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = x.to(*a, **k)
        return r, r is x, r.stride(), rep(r.device), type(r.grad_fn).__name__ if r.grad_fn else None
    same(fn)


def test_to_other_tensor_and_misc():
    same(lambda m: m.arange(3.).to(m.ones(2, dtype=m.int32)))
    same(lambda m: (lambda x: x.to(x) is x)(m.arange(3.)))
    same(lambda m: (lambda x: x.to(x, copy=True) is x)(m.arange(3.)))
    same(lambda m: m.arange(3.).to(m.ones(2, dtype=m.float64), True, True))
    same(lambda m: (lambda x: x.cpu() is x)(m.arange(3.)))
    same(lambda m: m.arange(3.).cpu(1))
    same(lambda m: m.arange(3.).cpu(memory_format=m.contiguous_format))
    same(lambda m: m.tensor([1 + 2j]).to(m.float32))
    same(lambda m: m.tensor([float("nan"), 1e10, -1e10]).to(m.int32))
    same(lambda m: m.tensor([300., -1.5, 2.7]).to(m.uint8))
    same(lambda m: m.tensor([2.5, 0.]).to(m.bool))
    same(lambda m: m.tensor([1 / 3], dtype=m.float64).to(m.bfloat16).item())
    same(lambda m: m.tensor([1 / 3], dtype=m.float64).to(m.float16).item())
    same(lambda m: m.ones(2, requires_grad=True).to(m.int64).requires_grad)
    same(lambda m, x: x.to(m.float64) * 2, np.arange(3.).astype(np.float32), check_grad_fn=True)

    def grad_through_to(m):
        x = m.arange(3., requires_grad=True)
        y = x.to(m.float64)
        (y * y).sum().backward()
        return x.grad, type(y.grad_fn).__name__
    same(grad_through_to)

    def casters(m):
        x = m.arange(3.)
        return [getattr(x, n)() for n in ("float", "double", "half", "bfloat16", "long", "int",
                                           "short", "char", "byte", "bool", "cfloat", "cdouble")]
    same(casters)
    same(lambda m: (lambda x: x.float() is x)(m.arange(3.)))
    same(lambda m: m.arange(6.).view(2, 3).t().double().stride())
    same(lambda m: m.arange(3.).type_as(m.ones(1, dtype=m.int16)))


# ---------------------------------------------------------------------------- storages
def test_untyped_storage():
    def fn(m):
        x = m.arange(4, dtype=m.int16)
        u = x.untyped_storage()
        return (rep(u), u.nbytes(), u.size(), len(u), u.tolist(), u[2], u[-1], u.element_size(),
                rep(u.device), u.is_shared(), u.is_pinned(), u.cpu() is u, u.data_ptr() == x.data_ptr(),
                u is x.untyped_storage(), u is x[1:].untyped_storage(), u == x.untyped_storage(),
                u.clone().tolist(), u.clone().data_ptr() != u.data_ptr(), u.type().replace("ember", "torch"),
                u[1:3].tolist(), list(u), bytes(u), m.is_storage(u), type(u).__name__,
                type(u).__module__.replace("ember", "torch"))
    same(fn)
    same(lambda m: m.arange(4, dtype=m.int16).untyped_storage()[10])
    same(lambda m: rep(m.UntypedStorage(3).fill_(7)))
    same(lambda m: m.UntypedStorage(3).nbytes())
    same(lambda m: m.UntypedStorage().nbytes())
    same(lambda m: m.UntypedStorage([1, 2, 3]).tolist())
    same(lambda m: m.UntypedStorage(2).copy_(m.UntypedStorage([1, 2])).tolist())
    same(lambda m: m.UntypedStorage(-1))
    same(lambda m: m.tensor([], dtype=m.float32).untyped_storage().nbytes())
    same(lambda m: m.tensor([], dtype=m.float32).untyped_storage().data_ptr())

    def writes(m):
        x = m.zeros(2, dtype=m.int16)
        u = x.untyped_storage()
        u[0] = 5
        u[3] = 1
        return x
    same(writes)


def test_typed_storage():
    def fn(m):
        x = m.arange(6, dtype=m.int16).view(2, 3).t()
        s = x.storage()
        return (rep(s), s.size(), len(s), s.dtype, s.tolist(), s[1], s[-1], s.element_size(),
                s.nbytes(), rep(s.device), s.is_shared(), s.data_ptr() == x.data_ptr(),
                s.untyped().nbytes(), s.type().replace("ember", "torch"), s.pickle_storage_type(),
                list(s), s.clone().tolist(), m.is_storage(s), type(s).__name__)
    same(fn)
    same(lambda m: m.arange(4, dtype=m.int16).storage()[10])
    same(lambda m: m.arange(4, dtype=m.int16).storage()[1:3])
    same(lambda m: m.tensor([1.5, 2.5]).storage().tolist())
    same(lambda m: rep(m.tensor([1.5, 2.5]).storage()))
    same(lambda m: m.tensor([1.5], dtype=m.bfloat16).storage().tolist())
    same(lambda m: m.tensor([True, False]).storage().tolist())

    def writes(m):
        x = m.zeros(3)
        s = x.storage()
        s[1] = 4
        s.fill_(2) if False else None
        return x, x[1:].storage().size()
    same(writes)

    def fill(m):
        x = m.zeros(3)
        x.storage().fill_(2)
        return x
    same(fill)


def test_typed_storage_warns_once():
    import ember._storage as S
    S._WARNED[0] = False
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        ember.zeros(1).storage()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.zeros(1).storage()


def test_storage_share_memory():
    def fn(m):
        x = m.arange(4.)
        u = x.untyped_storage()
        before = u.is_shared()
        u.share_memory_()
        return before, u.is_shared(), x.is_shared(), x[1:].is_shared(), m.zeros(1).is_shared()
    same(fn)


def test_storage_pickle_and_deepcopy():
    # (PyTorch 2.13 cannot plain-pickle an UntypedStorage: AttributeError 'dtype')
    u = pickle.loads(pickle.dumps(ember.arange(4, dtype=ember.int16).untyped_storage()))
    assert u.tolist() == [0, 0, 1, 0, 2, 0, 3, 0]
    same(lambda m: copy.deepcopy(m.arange(4, dtype=m.int16).untyped_storage()).tolist())
