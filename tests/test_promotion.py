"""Binary elementwise ops over every operand pair: result dtype, shape, values, or PyTorch's exact
exception (shared/notes/torch-dtype-rules.md sections 4-8, 12, 16), for the functional forms,
methods, Python operators (reflected too), in-place methods, augmented assignment and out=.

Operands of the grid: each of the 15 dtypes as a 1-d tensor (T) and as a 0-dim tensor (Z), plus
the Python scalars True, 2, 2.5 and 2+1j (S), on either side; under float32 and float64 defaults.
"""
import operator
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import ALL_DTYPE_NAMES, assert_same_exception, assert_tensor_same

DEFAULTS = ["float32", "float64"]

# values with no zero (so integer division reaches its values) and a negative element (sign rules)
T_VALUES = np.array([5, -2, 3, 7])
Z_VALUE = np.array(3)
COMPLEX32_ERROR = "ember cannot hold ember.complex32 tensors (NumPy has no such type)"
SCALARS = [("S True", True), ("S 2", 2), ("S 2.5", 2.5), ("S 2+1j", 2 + 1j)]


def _tensor(lib, values, name):
    """A tensor of dtype ``name`` holding ``values`` (wrapped into the dtype like a C cast)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name.startswith("complex"):
            arr = (values + 0.5j * (values % 3)).astype(name)
        elif name == "bfloat16":
            arr = values.astype(np.float32)
        elif name.startswith("uint"):
            # NOTE: no wrapped negatives here (huge values overflow complex pow differently);
            # wrap-around has its own value tests.
            arr = np.abs(values).astype(name)
        else:
            arr = values.astype(name)
    t = lib.from_numpy(np.array(arr, copy=True))
    return t.to(lib.bfloat16) if name == "bfloat16" else t


def tensor_operands(lib):
    out = []
    for name in ALL_DTYPE_NAMES:
        out.append((f"T {name}", _tensor(lib, T_VALUES, name)))
        out.append((f"Z {name}", _tensor(lib, Z_VALUE, name)))
    return out


def all_operands(lib):
    return tensor_operands(lib) + SCALARS


def outcome(fn, *args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return "err", e


def same(re_, rt, where):
    """ember's and torch's outcomes agree (tensor dtype/shape/values or exception type/text)."""
    (ke, ve), (kt, vt) = re_, rt
    if kt == "ok" and isinstance(vt, torch.Tensor) and vt.dtype == torch.complex32:
        # KNOWN: NumPy has no complex32, so ember cannot return such a tensor; it must say so.
        assert ke == "err" and str(ve) == COMPLEX32_ERROR, f"{where}: {ve!r}"
        return
    if kt == "err":
        assert ke == "err", f"{where}: torch raised {type(vt).__name__}: {vt}; ember gave {ve!r}"
        try:
            assert_same_exception(ve, vt)
        except AssertionError as e:
            raise AssertionError(f"{where}: {e}") from None
    else:
        if ke == "err":
            raise AssertionError(f"{where}: ember raised {type(ve).__name__}: {ve}; torch gave "
                                 f"{vt!r}") from ve
        if isinstance(vt, torch.Tensor):
            assert_tensor_same(ve, vt, where=where)
        else:
            assert type(ve) is type(vt) and ve == vt, f"{where}: {ve!r} != {vt!r}"


def grid(pairs_e, pairs_t, fn_e, fn_t=None, label=""):
    """Run ``fn(a, b)`` over all operand pairs in both libraries; returns the number of cases.

    Every case runs; the failure lists how many cases differ and the first few of them.
    """
    fn_t = fn_t or fn_e
    n = 0
    failures = []
    for (na, ea), (_, ta) in zip(*pairs_e):
        for (nb, eb), (_, tb) in zip(*pairs_t):
            try:
                same(outcome(fn_e, ember, ea, eb), outcome(fn_t, torch, ta, tb),
                     f"{label}({na}, {nb})")
            except AssertionError as e:
                failures.append(str(e).split("\nassert")[0])
            n += 1
    if failures:
        raise AssertionError(f"{len(failures)} of {n} cases differ:\n" + "\n".join(failures[:8]))
    return n


def set_default(name):
    ember.set_default_dtype(getattr(ember, name))
    torch.set_default_dtype(getattr(torch, name))


# ------------------------------------------------------------------------- functional forms
FUNCTIONS = {
    "add": lambda m, a, b: m.add(a, b),
    "sub": lambda m, a, b: m.sub(a, b),
    "mul": lambda m, a, b: m.mul(a, b),
    "div": lambda m, a, b: m.div(a, b),
    "div_trunc": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "div_floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "floor_divide": lambda m, a, b: m.floor_divide(a, b),
    "remainder": lambda m, a, b: m.remainder(a, b),
    "fmod": lambda m, a, b: m.fmod(a, b),
    "pow": lambda m, a, b: m.pow(a, b),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "eq": lambda m, a, b: m.eq(a, b),
    "ne": lambda m, a, b: m.ne(a, b),
    "lt": lambda m, a, b: m.lt(a, b),
    "le": lambda m, a, b: m.le(a, b),
    "gt": lambda m, a, b: m.gt(a, b),
    "ge": lambda m, a, b: m.ge(a, b),
    "bitwise_and": lambda m, a, b: m.bitwise_and(a, b),
    "bitwise_or": lambda m, a, b: m.bitwise_or(a, b),
    "bitwise_xor": lambda m, a, b: m.bitwise_xor(a, b),
    "bitwise_left_shift": lambda m, a, b: m.bitwise_left_shift(a, b),
    "bitwise_right_shift": lambda m, a, b: m.bitwise_right_shift(a, b),
    "logical_and": lambda m, a, b: m.logical_and(a, b),
    "logical_or": lambda m, a, b: m.logical_or(a, b),
    "logical_xor": lambda m, a, b: m.logical_xor(a, b),
    # the aliases
    "subtract": lambda m, a, b: m.subtract(a, b),
    "multiply": lambda m, a, b: m.multiply(a, b),
    "divide": lambda m, a, b: m.divide(a, b),
    "true_divide": lambda m, a, b: m.true_divide(a, b),
    "greater": lambda m, a, b: m.greater(a, b),
    "less_equal": lambda m, a, b: m.less_equal(a, b),
    "not_equal": lambda m, a, b: m.not_equal(a, b),
}


@pytest.mark.parametrize("default", DEFAULTS)
@pytest.mark.parametrize("op", sorted(FUNCTIONS))
def test_function_grid(op, default):
    set_default(default)
    ops_e, ops_t = all_operands(ember), all_operands(torch)
    assert grid((ops_e, ops_t), (ops_e, ops_t), FUNCTIONS[op], label=op) == 34 * 34


# ------------------------------------------------------------------------- methods
METHODS = {name: (lambda name: lambda m, a, b: getattr(a, name)(b))(name) for name in [
    "add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum", "minimum",
    "eq", "ne", "lt", "le", "gt", "ge", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_left_shift", "bitwise_right_shift", "logical_and", "logical_or", "logical_xor",
    "subtract", "multiply", "divide", "true_divide", "greater", "greater_equal", "less",
    "less_equal", "not_equal"]}
METHODS["div_trunc"] = lambda m, a, b: a.div(b, rounding_mode="trunc")
METHODS["div_floor"] = lambda m, a, b: a.div(b, rounding_mode="floor")


@pytest.mark.parametrize("op", sorted(METHODS))
def test_method_grid(op):
    ts_e, ts_t = tensor_operands(ember), tensor_operands(torch)
    ops_e, ops_t = all_operands(ember), all_operands(torch)
    assert grid((ts_e, ts_t), (ops_e, ops_t), METHODS[op], label=op) == 30 * 34


# ------------------------------------------------------------------------- Python operators
OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "==": operator.eq,
    "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "&": operator.and_, "|": operator.or_, "^": operator.xor, "<<": operator.lshift,
    ">>": operator.rshift,
}


@pytest.mark.parametrize("default", DEFAULTS)
@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_operator_grid(op, default):
    """``a <op> b`` with a tensor on either side (a scalar on the left runs the reflected form)."""
    set_default(default)
    f = OPERATORS[op]
    ts_e, ts_t = tensor_operands(ember), tensor_operands(torch)
    ops_e, ops_t = all_operands(ember), all_operands(torch)
    n = grid((ts_e, ts_t), (ops_e, ops_t), lambda m, a, b: f(a, b), label=op)
    n += grid((SCALARS, SCALARS), (ts_e, ts_t), lambda m, a, b: f(a, b), label=op)
    assert n == 30 * 34 + 4 * 30


# ------------------------------------------------------------------------- in-place
INPLACE = {name: (lambda name: lambda m, a, b: getattr(a.clone(), name)(b))(name) for name in [
    "add_", "sub_", "mul_", "div_", "floor_divide_", "remainder_", "fmod_", "pow_", "eq_", "ne_",
    "lt_", "le_", "gt_", "ge_", "bitwise_and_", "bitwise_or_", "bitwise_xor_",
    "bitwise_left_shift_", "bitwise_right_shift_", "logical_and_", "logical_or_",
    "logical_xor_", "subtract_", "multiply_", "true_divide_"]}
INPLACE["div_trunc_"] = lambda m, a, b: a.clone().div_(b, rounding_mode="trunc")
INPLACE["div_floor_"] = lambda m, a, b: a.clone().div_(b, rounding_mode="floor")


def _augmented(symbol):
    def fn(m, a, b):
        x = a.clone()
        y = x
        exec(f"x {symbol}= b", {}, ns := {"x": x, "b": b})
        assert ns["x"] is y, "augmented assignment must return self"
        return ns["x"]
    return fn


AUGMENTED = {s: _augmented(s) for s in ["+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<",
                                         ">>"]}


@pytest.mark.parametrize("default", DEFAULTS)
@pytest.mark.parametrize("op", sorted(INPLACE) + sorted(AUGMENTED))
def test_inplace_grid(op, default):
    set_default(default)
    fn = INPLACE.get(op) or AUGMENTED[op]
    ts_e, ts_t = tensor_operands(ember), tensor_operands(torch)
    ops_e, ops_t = all_operands(ember), all_operands(torch)
    assert grid((ts_e, ts_t), (ops_e, ops_t), fn, label=op) == 30 * 34


# ------------------------------------------------------------------------- out=
OUT_OPS = ["add", "sub", "mul", "div", "div_trunc", "floor_divide", "remainder", "fmod", "pow",
           "maximum", "eq", "lt", "bitwise_and", "logical_or"]


def _out_fn(op, out_name, out_shape):
    base = FUNCTIONS[op]

    def fn(m, a, b):
        out = m.zeros(out_shape, dtype=getattr(m, out_name))
        if op == "div_trunc":
            r = m.div(a, b, rounding_mode="trunc", out=out)
        else:
            r = getattr(m, op)(a, b, out=out)
        assert r is out
        return out
    del base
    return fn


@pytest.mark.parametrize("op", OUT_OPS)
def test_out_grid(op):
    """``op(a, b, out=o)`` for sampled operand pairs and every out dtype."""
    rng = np.random.RandomState(hash(op) % 2**31)
    ops_e, ops_t = all_operands(ember), all_operands(torch)
    n = 0
    for i in rng.choice(len(ops_e), 12, replace=False):
        for j in rng.choice(len(ops_e), 6, replace=False):
            for out_name in ALL_DTYPE_NAMES:
                (na, ea), (_, ta) = ops_e[i], ops_t[i]
                (nb, eb), (_, tb) = ops_e[j], ops_t[j]
                shape = (4,) if (isinstance(ta, torch.Tensor) and ta.dim()) or (
                    isinstance(tb, torch.Tensor) and tb.dim()) else ()
                f = _out_fn(op, out_name, shape)
                same(outcome(f, ember, ea, eb), outcome(f, torch, ta, tb),
                     f"{op}({na}, {nb}, out={out_name})")
                n += 1
    assert n == 12 * 6 * 15


@pytest.mark.parametrize("op", ["add", "mul", "eq", "div"])
def test_out_resize(op):
    """A wrongly shaped out= is resized (a non-empty one with a UserWarning)."""
    for out_shape in [(0,), (2,), (4,), (2, 2), ()]:
        def fn(m):
            a = m.arange(4.)
            out = m.zeros(out_shape)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                getattr(m, op)(a, 2.0, out=out)
            # torch's text ends in " (Triggered internally at <its C++ source file>.)"
            return out, [str(x.message).split(" (Triggered internally")[0] for x in w]
        re_, rt = fn(ember), fn(torch)
        assert_tensor_same(re_[0], rt[0])
        assert re_[1] == rt[1]


# ------------------------------------------------------------------------- NumPy scalars
NP_SCALARS = [np.bool_(True), np.int8(3), np.uint8(200), np.int64(-7), np.uint64(5),
              np.float16(2.5), np.float32(2.5), np.float64(-1.5), np.complex64(1 + 2j),
              np.complex128(1 + 2j)]
NP_OPS = {
    "add": lambda m, a, b: m.add(a, b),
    "mul": lambda m, a, b: m.mul(a, b),
    "div": lambda m, a, b: m.div(a, b),
    "+": lambda m, a, b: a + b,
    "r+": lambda m, a, b: b + a,
    "r-": lambda m, a, b: b - a,
    "r*": lambda m, a, b: b * a,
    "/": lambda m, a, b: a / b,
    "==": lambda m, a, b: a == b,
    "where": lambda m, a, b: m.where(m.ones(a.shape, dtype=m.bool), a, b),
    "where2": lambda m, a, b: m.where(m.ones(a.shape, dtype=m.bool), b, a),
}


@pytest.mark.parametrize("op", sorted(NP_OPS))
def test_numpy_scalar_operands(op):
    """NumPy scalars act as Python numbers of their Python base type (np.bool_ as float)."""
    ts_e, ts_t = tensor_operands(ember), tensor_operands(torch)
    pairs = [(type(s).__name__, s) for s in NP_SCALARS]
    assert grid((ts_e, ts_t), (pairs, pairs), NP_OPS[op], label=op) == 30 * len(NP_SCALARS)


# ------------------------------------------------------------------------- alpha
ALPHAS = [True, False, 2, -1, 1.5, 2 + 0j]


@pytest.mark.parametrize("form", ["add", "sub", "add_", "sub_", "rsub"])
def test_alpha_grid(form):
    ops_e, ops_t = all_operands(ember), all_operands(torch)
    ts_e, ts_t = tensor_operands(ember), tensor_operands(torch)
    n = 0
    for alpha in ALPHAS:
        if form.endswith("_"):
            def fn(m, a, b):
                return getattr(a.clone(), form)(b, alpha=alpha)
            left = (ts_e, ts_t)
        elif form == "rsub":
            def fn(m, a, b):
                return m.rsub(a, b, alpha=alpha)
            left = (ts_e, ts_t)
        else:
            def fn(m, a, b):
                return getattr(m, form)(a, b, alpha=alpha)
            left = (ops_e, ops_t)
        n += grid(left, (ops_e, ops_t), fn, label=f"{form}[alpha={alpha!r}]")
    assert n > 5000
