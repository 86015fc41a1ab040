"""nn.utils.rnn against PyTorch: pack_padded_sequence (enforce_sorted, batch_first, lengths as
list or tensor, errors), pad_packed_sequence (total_length, padding_value, batch_first),
pad_sequence (batch_first, padding_value, padding_side, dtypes, errors), pack_sequence,
unpad_sequence, unpack_sequence, invert_permutation and PackedSequence (fields, .to(), repr);
values, dtypes, strides, grad_fn names, gradients and double backward."""
import numpy as np
import pytest

import ember
import torch
from oracle import assert_same, assert_same_exception

rng = np.random.default_rng(0)


def U(lib):
    return lib.nn.utils.rnn


def randn(*shape):
    return rng.standard_normal(shape)


def same_all(e, t, **kw):
    kw.setdefault("check_grad_fn", True)
    for k, (a, b) in enumerate(zip(e, t)):
        if b is None:
            assert a is None, k
        elif isinstance(b, torch.Tensor):
            assert_same(a, b, where=f"item {k}", **kw)
        else:
            assert a == b, k


def packed_fields(p):
    assert type(p).__name__ == "PackedSequence"
    return [p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices]


def both(fn, *arrays, grad=True, dtype="float64"):
    """fn(lib, *tensors) on both libraries; the results and the input gradients of the sum of
    every differentiable output weighted by fixed random arrays."""
    res = []
    weights = None
    for lib in (ember, torch):
        ts = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=grad) for a in arrays]
        out = fn(lib, *ts)
        diff = [o for o in out if isinstance(o, lib.Tensor) and o.requires_grad]
        if diff:
            if weights is None:
                weights = [randn(*o.shape) for o in diff]
            sum((o * lib.tensor(w, dtype=o.dtype)).sum() for o, w in zip(diff, weights)).backward()
        res.append((out, [t.grad for t in ts]))
    return res


# ---------------------------------------------------------------------------- pack_padded_sequence
PACK_CASES = [([4, 2, 1], True), ([4, 4, 4], True), ([3], True), ([1, 1], True),
              ([2, 4, 1], False), ([3, 3, 1, 2], False), ([1, 2, 1], False)]


@pytest.mark.parametrize("lengths,sorted_", PACK_CASES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_padded_sequence(lengths, sorted_, batch_first, as_tensor):
    B, T = len(lengths), max(lengths) + 1
    x = randn(B, T, 2) if batch_first else randn(T, B, 2)

    def fn(lib, xt):
        ls = lib.tensor(lengths) if as_tensor else lengths
        return packed_fields(U(lib).pack_padded_sequence(xt, ls, batch_first=batch_first,
                                                         enforce_sorted=sorted_))
    (e, eg), (t, tg) = both(fn, x)
    same_all(e, t)
    same_all(eg, tg, check_grad_fn=False, check_strides=False)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16"])
def test_pack_padded_sequence_dtypes(dtype):
    x = randn(3, 2, 2) > 0 if dtype == "bool" else randn(3, 2, 2) * 3
    res = []
    for lib in (ember, torch):
        p = U(lib).pack_padded_sequence(lib.tensor(x).to(getattr(lib, dtype)), [3, 1])
        res.append(packed_fields(p))
    same_all(*res)


def test_pack_padded_sequence_lengths_dtypes():
    res = []
    for lib in (ember, torch):
        x = lib.zeros(3, 2, 1)
        out = []
        for ls in (lib.tensor([3, 1], dtype=lib.int32), lib.tensor([3., 1.]), [3, 1], (3, 1)):
            out += packed_fields(U(lib).pack_padded_sequence(x, ls))
        res.append(out)
    same_all(*res)


def test_pack_padded_sequence_non_contiguous_input():
    x = randn(2, 5, 3)
    (e, eg), (t, tg) = both(lambda lib, xt: packed_fields(
        U(lib).pack_padded_sequence(xt.transpose(0, 1), [5, 3])), x)
    same_all(e, t)
    same_all(eg, tg, check_grad_fn=False, check_strides=False)


PACK_ERRORS = [
    (lambda lib: lib.zeros(4, 3, 2), [4, 2, 0], True, False),
    (lambda lib: lib.zeros(4, 3, 2), [2, 4, 1], True, False),
    (lambda lib: lib.zeros(4, 3, 2), [4, 2], True, False),
    (lambda lib: lib.zeros(4, 3, 2), [4, 2, 1, 1], True, False),
    (lambda lib: lib.zeros(4, 3, 2), [-1, 2, 1], False, False),
    (lambda lib: lib.zeros(4, 3, 2), [4, 2, 1], True, True),
    (lambda lib: lib.zeros(4), [4], True, False),
    (lambda lib: lib.zeros(0, 3, 2), [1, 1, 1], True, False),
    (lambda lib: lib.zeros(4, 3, 2), lambda lib: lib.tensor([[4, 2, 1]]), True, False),
]


@pytest.mark.parametrize("make,lengths,sorted_,batch_first", PACK_ERRORS)
def test_pack_padded_sequence_errors(make, lengths, sorted_, batch_first):
    errs = []
    for lib in (ember, torch):
        ls = lengths(lib) if callable(lengths) else lengths
        with pytest.raises(Exception) as e:
            U(lib).pack_padded_sequence(make(lib), ls, batch_first=batch_first,
                                        enforce_sorted=sorted_)
        errs.append(e.value)
    assert_same_exception(*errs)


def test_private_pack_op_checks_lengths_type():
    errs = []
    for lib in (ember, torch):
        with pytest.raises(RuntimeError) as e:
            lib._pack_padded_sequence(lib.zeros(3, 2), lib.tensor([3, 1], dtype=lib.int32), False)
        errs.append(e.value)
    assert_same_exception(*errs)


# ---------------------------------------------------------------------------- pad_packed_sequence
@pytest.mark.parametrize("lengths,sorted_", PACK_CASES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("extra", [None, 0, 2])
def test_pad_packed_sequence(lengths, sorted_, batch_first, extra):
    B, T = len(lengths), max(lengths)
    x = randn(T, B, 3)

    def fn(lib, xt):
        p = U(lib).pack_padded_sequence(xt, lengths, enforce_sorted=sorted_)
        total = None if extra is None else T + extra
        padded, lens = U(lib).pad_packed_sequence(p, batch_first=batch_first, padding_value=-2.5,
                                                  total_length=total)
        return [padded, lens]
    (e, eg), (t, tg) = both(fn, x)
    same_all(e, t)
    same_all(eg, tg, check_grad_fn=False, check_strides=False)


def test_pad_packed_sequence_total_length_too_short():
    errs = []
    for lib in (ember, torch):
        p = U(lib).pack_padded_sequence(lib.zeros(4, 2, 1), [4, 2])
        with pytest.raises(ValueError) as e:
            U(lib).pad_packed_sequence(p, total_length=3)
        errs.append(e.value)
    assert_same_exception(*errs)


@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_pad_double_backward(batch_first):
    x = randn(3, 4, 2) if batch_first else randn(4, 3, 2)
    res = []
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        p = U(lib).pack_padded_sequence(xt, [4, 3, 1], batch_first=batch_first)
        padded, _ = U(lib).pad_packed_sequence(
            U(lib).PackedSequence(p.data ** 3, p.batch_sizes), batch_first=batch_first)
        g, = lib.autograd.grad((padded * padded).sum(), xt, create_graph=True)
        h, = lib.autograd.grad((g * g).sum(), xt)
        res.append([g.detach().numpy(), h.numpy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------- pad_sequence
PAD_LENGTHS = [[3, 1, 2], [2], [2, 2], [0, 3]]


@pytest.mark.parametrize("lengths", PAD_LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2, 3)])
def test_pad_sequence(lengths, batch_first, side, trailing):
    arrays = [randn(n, *trailing) for n in lengths]

    def fn(lib, *ts):
        return [U(lib).pad_sequence(list(ts), batch_first=batch_first, padding_value=1.5,
                                    padding_side=side)]
    (e, eg), (t, tg) = both(fn, *arrays)
    same_all(e, t)
    same_all(eg, tg, check_grad_fn=False, check_strides=False)


@pytest.mark.parametrize("dtype,pad", [("int64", 2.5), ("bool", 1), ("float32", -1),
                                       ("bfloat16", 0.25)])
def test_pad_sequence_dtypes(dtype, pad):
    arrays = [randn(2, 2) * 3, randn(3, 2) * 3]
    res = []
    for lib in (ember, torch):
        ts = [lib.tensor(a).to(getattr(lib, dtype)) for a in arrays]
        res.append([U(lib).pad_sequence(ts, padding_value=pad),
                    U(lib).pad_sequence(tuple(ts), batch_first=True)])
    same_all(*res)


def test_pad_sequence_mixed_dtypes_and_layouts():
    a, b = randn(3, 2), randn(4, 2)
    (e, eg), (t, tg) = both(lambda lib, x, y: [U(lib).pad_sequence([x.t().t(), y.float()])],
                            a, b)
    same_all(e, t)
    same_all(eg, tg, check_grad_fn=False, check_strides=False)
    # a tensor is iterated along its first dimension
    rows = randn(3, 2)
    same_all(*[[U(lib).pad_sequence(lib.tensor(rows))] for lib in (ember, torch)])


PAD_ERRORS = [
    lambda lib: U(lib).pad_sequence([]),
    lambda lib: U(lib).pad_sequence([lib.ones(2, 3), lib.ones(2, 4)]),
    lambda lib: U(lib).pad_sequence([lib.ones(2, 1), lib.ones(3, 3)]),
    lambda lib: U(lib).pad_sequence([lib.ones(2, 3), lib.ones(3, 3)], padding_side="middle"),
    lambda lib: U(lib).pad_sequence(5),
    lambda lib: U(lib).pack_sequence([]),
    lambda lib: U(lib).pack_sequence([lib.ones(2), lib.ones(3)]),
    lambda lib: U(lib).PackedSequence(lib.ones(3)),
]


@pytest.mark.parametrize("call", PAD_ERRORS)
def test_pad_sequence_errors(call):
    errs = []
    for lib in (ember, torch):
        with pytest.raises(Exception) as e:
            call(lib)
        errs.append(e.value)
    assert_same_exception(*errs)


# ---------------------------------------------------------------------------- pack/unpack lists
@pytest.mark.parametrize("lengths,sorted_", [([3, 2, 2], True), ([1, 3, 2], False),
                                             ([2], True)])
def test_pack_sequence_and_unpack_sequence(lengths, sorted_):
    arrays = [randn(n, 2) for n in lengths]

    def fn(lib, *ts):
        p = U(lib).pack_sequence(list(ts), enforce_sorted=sorted_)
        return packed_fields(p) + U(lib).unpack_sequence(p)
    (e, eg), (t, tg) = both(fn, *arrays)
    same_all(e, t)
    same_all(eg, tg, check_grad_fn=False, check_strides=False)


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence(batch_first):
    arrays = [randn(3, 2), randn(1, 2), randn(2, 2)]

    def fn(lib, *ts):
        padded = U(lib).pad_sequence(list(ts), batch_first=batch_first)
        return U(lib).unpad_sequence(padded, lib.tensor([3, 1, 2]), batch_first=batch_first)
    (e, eg), (t, tg) = both(fn, *arrays)
    same_all(e, t)
    same_all(eg, tg, check_grad_fn=False, check_strides=False)


def test_invert_permutation():
    res = []
    for lib in (ember, torch):
        res.append([U(lib).invert_permutation(lib.tensor([2, 0, 3, 1])),
                    U(lib).invert_permutation(lib.tensor([0])),
                    U(lib).invert_permutation(None)])
    same_all(*res)


# ---------------------------------------------------------------------------- PackedSequence
def test_packed_sequence_fields_repr_and_tuple_behaviour():
    res = []
    for lib in (ember, torch):
        p = U(lib).pack_sequence([lib.tensor([1., 2., 3.]), lib.tensor([4.])],
                                 enforce_sorted=False)
        data, sizes, s, u = p
        assert p[0] is data and len(p) == 4 and isinstance(p, tuple)
        assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
        res.append((p, repr(p), [data, sizes, s, u]))
    assert res[0][1] == res[1][1]
    same_all(res[0][2], res[1][2])


def test_packed_sequence_constructors():
    res = []
    for lib in (ember, torch):
        d, b = lib.ones(3, 2), lib.tensor([2, 1])
        p1 = U(lib).PackedSequence(d, b)
        p2 = U(lib).PackedSequence((d, b))
        p3 = U(lib).PackedSequence(d, b, lib.tensor([1, 0]))
        res.append(packed_fields(p1) + packed_fields(p2) + packed_fields(p3))
    same_all(*res)


def test_packed_sequence_to_and_casts():
    res = []
    for lib in (ember, torch):
        p = U(lib).pack_sequence([lib.ones(3), lib.ones(2)], enforce_sorted=False)
        assert p.to("cpu") is p and p.to(lib.float32) is p
        assert p.is_cuda is False
        out = []
        for q in (p.to(lib.float64), p.double(), p.half(), p.long(), p.int(), p.short(),
                  p.char(), p.byte(), p.float(), p.to(dtype=lib.float16), p.cpu()):
            assert type(q) is type(p)
            out += packed_fields(q)
        res.append(out)
    same_all(*res)


def test_packed_sequence_feeds_every_recurrent_module():
    x = randn(4, 3, 2)
    for cls in ("RNN", "LSTM", "GRU"):
        res = []
        for lib in (ember, torch):
            lib.manual_seed(0)
            m = getattr(lib.nn, cls)(2, 3).double()
            p = U(lib).pack_padded_sequence(lib.tensor(x), [4, 1, 3], enforce_sorted=False)
            out, _ = m(p)
            res.append(packed_fields(out))
        same_all(*res, rtol=1e-10, atol=1e-12)
