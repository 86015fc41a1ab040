"""Top-level runtime settings, legacy typed storages and exception classes against PyTorch:
thread counts, determinism flags and debug mode, float32 matmul precision, warn-always,
typename, get_device_module, set_anomaly_enabled, FloatStorage & co., storage_type."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr, normalize_message

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(autouse=True)
def restore_settings():
    saved = [(m, m.get_num_threads(), m.get_deterministic_debug_mode(),
              m.get_float32_matmul_precision(), m.is_warn_always_enabled())
             for m in (ember, torch)]
    yield
    for m, threads, det, prec, warn in saved:
        m.set_num_threads(threads)
        m.set_deterministic_debug_mode(det)
        m.set_float32_matmul_precision(prec)
        m.set_warn_always(warn)
        m.set_anomaly_enabled(False)


def test_threads():
    check_same(lambda m: (m.set_num_threads(1), m.get_num_threads()))
    check_same(lambda m: (m.set_num_threads(2), m.get_num_threads()))
    for bad in (0, -3):
        check_same(lambda m: m.set_num_threads(bad))
    check_same(lambda m: m.init_num_threads())
    assert ember.get_num_interop_threads() >= 1


def test_threads_reach_blas():
    get_blas_threads = pytest.importorskip("ember._backend.blas_threads").get_blas_threads
    if get_blas_threads() is None:
        pytest.skip("no OpenBLAS loaded")
    ember.set_num_threads(1)
    assert get_blas_threads() == 1
    a = ember.randn(64, 64)
    np.testing.assert_allclose((a @ a).numpy(), a.numpy() @ a.numpy(), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("mode", ["warn", "error", "default", 0, 1, 2, "x", 5, 1.5])
def test_deterministic_debug_mode(mode):
    check_same(lambda m: (m.set_deterministic_debug_mode(mode), m.get_deterministic_debug_mode(),
                          m.are_deterministic_algorithms_enabled(),
                          m.is_deterministic_algorithms_warn_only_enabled()))


@pytest.mark.parametrize("args,kw", [((True,), {}), ((True,), {"warn_only": True}),
                                     ((False,), {"warn_only": True}), (("a",), {}),
                                     ((1,), {})])
def test_use_deterministic_algorithms(args, kw):
    check_same(lambda m: (m.use_deterministic_algorithms(*args, **kw),
                          m.are_deterministic_algorithms_enabled(),
                          m.is_deterministic_algorithms_warn_only_enabled(),
                          m.get_deterministic_debug_mode()))


@pytest.mark.parametrize("p", ["high", "medium", "highest", "low"])
def test_matmul_precision(p):
    out = []
    for m in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.set_float32_matmul_precision("high")
            m.set_float32_matmul_precision(p)
        out.append((m.get_float32_matmul_precision(), len(w)))
    assert out[0] == out[1]


def test_warn_always_and_facts():
    check_same(lambda m: (m.is_warn_always_enabled(), m.set_warn_always(True),
                          m.is_warn_always_enabled(), m.set_warn_always(False),
                          m.is_warn_always_enabled()))
    check_same(lambda m: (m.is_vulkan_available(), m.compiled_with_cxx11_abi()))


def test_typename():
    def fn(m, x):
        names = (m.typename(x), m.typename(x.long()), m.typename(x.double()), m.typename(3),
                 m.typename("a"), m.typename(1.5))
        return tuple(n.replace("ember.", "torch.") for n in names)
    check_same(fn, Arr(np.ones(2)))
    assert ember.typename(ember.nn.Linear(1, 1)) == "ember.nn.modules.linear.Linear"
    assert torch.typename(torch.nn.Linear(1, 1)) == "torch.nn.modules.linear.Linear"


def test_get_device_module():
    assert ember.get_device_module("cpu") is ember.cpu
    assert ember.get_device_module(ember.device("cpu")) is ember.cpu
    assert ember.get_device_module("cuda") is ember.cuda
    assert ember.get_device_module() is (ember.cuda if ember.cuda.is_available() else ember.cpu)
    for m in (ember, torch):
        cpu = m.get_device_module("cpu")
        assert (cpu.is_available(), cpu.device_count(), cpu.current_device()) == (True, 1, "cpu")
        assert cpu.synchronize() is None
    check_same(lambda m: m.get_device_module(3))


def test_set_anomaly_enabled():
    check_same(lambda m: (m.set_anomaly_enabled(True), m.is_anomaly_enabled(),
                          m.is_anomaly_check_nan_enabled(), m.set_anomaly_enabled(True, False),
                          m.is_anomaly_check_nan_enabled(), m.set_anomaly_enabled(False),
                          m.is_anomaly_enabled()))


# ---------------------------------------------------------------------------- legacy storages
STORAGES = ["DoubleStorage", "FloatStorage", "HalfStorage", "BFloat16Storage", "LongStorage",
            "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage",
            "ComplexFloatStorage", "ComplexDoubleStorage"]


def facts(s, values=True):
    # (a storage made from a size is uninitialised in PyTorch: its values are not compared)
    return (type(s).__name__, str(s.dtype).split(".")[-1], len(s), s.size(), s.element_size(),
            s.nbytes(), s.tolist() if values else None)


@pytest.mark.parametrize("name", STORAGES)
def test_legacy_storage_classes(name):
    out = []
    for m in (ember, torch):
        cls = getattr(m, name)
        made = [cls(), cls(3), cls([1, 0, 1])]
        out.append([facts(made[0]), facts(made[1], False), facts(made[2])] + [
            str(cls.dtype).split(".")[-1], isinstance(made[1], m.TypedStorage),
            isinstance(made[1], cls), isinstance(made[1], m.FloatStorage if name != "FloatStorage"
                                                 else m.IntStorage)])
    assert out[0] == out[1]


@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int8", "uint8", "bool",
                                "float16", "bfloat16", "complex64", "int16", "int32"])
def test_storage_type_and_isinstance(dt):
    def fn(m, x):
        st = x.storage_type()
        return st.__name__, isinstance(x.storage(), st), isinstance(x.storage(), m.Storage)
    check_same(fn, Arr(np.zeros(2), dt))


def test_legacy_storage_errors_and_wrap():
    for m in (ember, torch):
        assert m.Storage is m.FloatStorage
        u = m.UntypedStorage(8)
        s = m.IntStorage(wrap_storage=u)
        assert (len(s), s.dtype is m.int32, s.untyped() is u) == (2, True, True)
        assert m.FloatStorage(2).fill_(1.5).tolist() == [1.5, 1.5]
    for fn in (lambda m: m.FloatStorage(dtype=m.int32), lambda m: m.FloatStorage("a"),
               lambda m: m.FloatStorage(["a"]), lambda m: m.FloatStorage(1, 2),
               lambda m: m.FloatStorage(-1)):
        got = []
        for m in (ember, torch):
            try:
                fn(m)
                got.append(None)
            except Exception as e:  # noqa: BLE001 - compared below
                got.append((type(e).__name__, normalize_message(str(e)).split("\n")[0]))
        assert got[0][0] == got[1][0], got
        if "Storage" not in got[1][1]:
            assert got[0] == got[1]


def test_exception_classes():
    for m in (ember, torch):
        for cls in (m.OutOfMemoryError, m.AcceleratorError):
            assert issubclass(cls, RuntimeError)
            with pytest.raises(RuntimeError, match="boom"):
                raise cls("boom")
        assert m.OutOfMemoryError.__name__ == "OutOfMemoryError"


@pytest.mark.parametrize("arg", ["DoubleTensor", "torch.FloatTensor", "torch.DoubleTensor",
                                 "torch.IntTensor", "foo", 3, "IntTensor",
                                 "torch.cuda.FloatTensor"])
def test_set_default_tensor_type(arg):
    def fn(m):
        a = getattr(m, arg) if arg in ("DoubleTensor", "IntTensor") else arg
        try:
            m.set_default_tensor_type(a)
            return m.get_default_dtype(), m.zeros(1).dtype
        finally:
            m.set_default_dtype(m.float32)
    check_same(fn)
    with pytest.warns(UserWarning, match="set_default_tensor_type"):
        ember.set_default_tensor_type(ember.FloatTensor)


def test_to_dlpack_roundtrip():
    x = ember.arange(6.).view(2, 3).t()
    cap = ember.to_dlpack(x)
    t = torch.from_dlpack(cap)
    np.testing.assert_array_equal(t.numpy(), x.numpy())
    assert t.stride() == x.stride()
    back = ember.from_dlpack(ember.to_dlpack(x))
    back[0, 0] = 7.
    assert x[0, 0].item() == 7.     # shares memory
