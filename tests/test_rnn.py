"""Recurrent layers against PyTorch: RNN (tanh/relu), LSTM (with projections), GRU and the
three cells. Outputs, final states, strides and grad_fn names; gradients of every parameter,
the input and the initial states (float32, float64); double backward; seeded initialisation
(bit-identical state_dicts); dropout in train and eval; packed input; half precision;
constructor and forward errors; reprs, parameter names, all_weights and _flat_weights."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import assert_same, assert_same_exception, normalize_message

rng = np.random.default_rng(0)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# (class name, extra constructor arguments)
KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}),
         ("LSTM", {"proj_size": 2}), ("GRU", {})]
KIND_IDS = ["rnn_tanh", "rnn_relu", "lstm", "lstm_proj", "gru"]
# (num_layers, bias, batch_first, bidirectional)
SHAPES = [(1, True, False, False), (2, True, True, True), (2, False, False, True),
          (3, True, True, False)]
TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-11),
       "float16": dict(rtol=2e-2, atol=2e-2), "bfloat16": dict(rtol=5e-2, atol=5e-2)}


def randn(*shape):
    return rng.standard_normal(shape)


def build(lib, cls, kwargs, dtype="float32", seed=0):
    lib.manual_seed(seed)
    m = getattr(lib.nn, cls)(**kwargs)
    return m.to(getattr(lib, dtype))


def flat(x):
    if isinstance(x, (tuple, list)):
        for v in x:
            yield from flat(v)
    else:
        yield x


def hidden_shape(cls, kw, batch):
    """Shapes of the initial states a module takes (None for unbatched inputs: leading only)."""
    d = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    h = kw.get("proj_size", 0) or kw["hidden_size"]
    lead = (d,) if batch is None else (d, batch)
    if cls == "LSTM":
        return [lead + (h,), lead + (kw["hidden_size"],)]
    return [lead + (h,)]


def run_both(cls, kw, x, hx=None, dtype="float32", train=True, seed=0, grad=True,
             x_layout=None):
    """Run the module on both libraries; return per library (outputs, grads by name)."""
    res = {}
    weights = None
    for lib in (ember, torch):
        m = build(lib, cls, kw, dtype, seed)
        m.train(train)
        dt = getattr(lib, dtype)
        xt = lib.tensor(x, dtype=dt)
        if x_layout == "transposed":
            xt = lib.tensor(np.ascontiguousarray(np.swapaxes(x, 0, 1)), dtype=dt).transpose(0, 1)
        elif x_layout == "strided":
            xt = lib.tensor(np.repeat(x, 2, axis=-1), dtype=dt)[..., ::2]
        xt.requires_grad_(grad)
        hs = None
        if hx is not None:
            hs = [lib.tensor(h, dtype=dt, requires_grad=grad) for h in hx]
        lib.manual_seed(seed + 1)
        out = m(xt, None if hs is None else (tuple(hs) if cls == "LSTM" else hs[0]))
        outs = list(flat(out))
        grads = {}
        if grad:
            if weights is None:
                weights = [randn(*o.shape) for o in outs]
            loss = sum((o * lib.tensor(w, dtype=dt)).sum() for o, w in zip(outs, weights))
            loss.backward()
            grads["input"] = xt.grad
            for k, h in enumerate(hs or ()):
                grads[f"hx{k}"] = h.grad
            for name, p in m.named_parameters():
                grads[name] = p.grad
        res[lib] = (outs, grads)
    return res[ember], res[torch]


def compare(e, t, dtype="float32", grad_fn=True):
    (eo, eg), (to, tg) = e, t
    tol = TOL[dtype]
    assert len(eo) == len(to)
    for k, (a, b) in enumerate(zip(eo, to)):
        assert_same(a, b, where=f"output {k}", check_grad_fn=grad_fn, **tol)
    assert sorted(eg) == sorted(tg)
    for name in tg:
        if tg[name] is None:
            assert eg[name] is None, name
        else:
            assert_same(eg[name], tg[name], where=f"grad of {name}", check_strides=False, **tol)


def config(cls, extra, shape, input_size=3, hidden_size=4):
    layers, bias, batch_first, bidir = shape
    return dict(input_size=input_size, hidden_size=hidden_size, num_layers=layers, bias=bias,
                batch_first=batch_first, bidirectional=bidir, **extra)


# ---------------------------------------------------------------------------- forward/backward
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "L%d_b%d_bf%d_bi%d" % s)
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_module_values_and_grads(kind, shape, dtype):
    cls, extra = kind
    kw = config(cls, extra, shape)
    T, B = 4, 3
    x = randn(B, T, 3) if kw["batch_first"] else randn(T, B, 3)
    compare(*run_both(cls, kw, x, dtype=dtype), dtype)


@pytest.mark.parametrize("shape", [(2, True, False, True), (1, True, False, False)],
                         ids=["L2_bi", "L1"])
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_initial_states(kind, shape):
    cls, extra = kind
    kw = config(cls, extra, shape)
    hx = [randn(*s) for s in hidden_shape(cls, kw, 3)]
    compare(*run_both(cls, kw, randn(5, 3, 3), hx, dtype="float64"), "float64")


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_unbatched_input(kind, batch_first):
    cls, extra = kind
    kw = config(cls, extra, (2, True, batch_first, True))
    compare(*run_both(cls, kw, randn(5, 3)), "float32")
    hx = [randn(*s) for s in hidden_shape(cls, kw, None)]
    compare(*run_both(cls, kw, randn(5, 3), hx, dtype="float64"), "float64")


@pytest.mark.parametrize("layout", ["transposed", "strided"])
@pytest.mark.parametrize("kind", KINDS[2:], ids=KIND_IDS[2:])
def test_non_contiguous_input(kind, layout):
    cls, extra = kind
    kw = config(cls, extra, (1, True, False, True))
    compare(*run_both(cls, kw, randn(4, 2, 3), x_layout=layout, dtype="float64"), "float64")


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_single_step_and_single_sequence(kind):
    cls, extra = kind
    kw = config(cls, extra, (2, True, False, True))
    compare(*run_both(cls, kw, randn(1, 1, 3), dtype="float64"), "float64")


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_empty_batch(kind):
    cls, extra = kind
    kw = config(cls, extra, (2, True, False, True))
    compare(*run_both(cls, kw, randn(3, 0, 3), grad=False), "float32")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_half_precision_forward(kind, dtype):
    cls, extra = kind
    kw = config(cls, extra, (2, True, True, True))
    compare(*run_both(cls, kw, randn(3, 4, 3) * 0.5, dtype=dtype, grad=False), dtype)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_no_grad_outputs(kind):
    cls, extra = kind
    kw = config(cls, extra, (2, True, True, True))
    x = randn(2, 3, 3)
    res = []
    for lib in (ember, torch):
        m = build(lib, cls, kw)
        with lib.no_grad():
            res.append(list(flat(m(lib.tensor(x, dtype=lib.float32)))))
    for a, b in zip(*res):
        assert_same(a, b, rtol=2e-4, atol=2e-5)
        assert a.grad_fn is None


# ---------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_dropout_train_matches_seeded_masks(kind, bidirectional):
    cls, extra = kind
    kw = config(cls, extra, (3, True, False, bidirectional))
    kw["dropout"] = 0.4
    compare(*run_both(cls, kw, randn(4, 3, 3), train=True, dtype="float64"), "float64")


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_dropout_eval_is_deterministic(kind):
    cls, extra = kind
    kw = config(cls, extra, (2, True, True, False))
    kw["dropout"] = 0.5
    e, t = run_both(cls, kw, randn(3, 4, 3), train=False)
    compare(e, t)
    # eval mode draws nothing: the generator is where the seed left it
    m = build(ember, cls, kw).eval()
    ember.manual_seed(5)
    m(ember.tensor(randn(3, 4, 3), dtype=ember.float32))
    after = ember.rand(1).item()
    ember.manual_seed(5)
    assert ember.rand(1).item() == after


# ---------------------------------------------------------------------------- double backward
@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_double_backward(kind, packed):
    cls, extra = kind
    kw = config(cls, extra, (2, True, False, True), input_size=2, hidden_size=3)
    x = randn(3, 2, 2)
    hx = [randn(*s) * 0.5 for s in hidden_shape(cls, kw, 2)]
    res = []
    for lib in (ember, torch):
        m = build(lib, cls, kw, "float64")
        xt = lib.tensor(x, requires_grad=True)
        hs = [lib.tensor(h, requires_grad=True) for h in hx]
        inp = xt
        if packed:
            inp = lib.nn.utils.rnn.pack_padded_sequence(xt, [3, 2])
        out = m(inp, tuple(hs) if cls == "LSTM" else hs[0])
        o = out[0].data if packed else out[0]
        loss = (o * o).sum() + sum((h * h).sum() for h in flat(out[1]))
        wrt = [xt] + hs + list(m.parameters())
        gs = lib.autograd.grad(loss, wrt, create_graph=True)
        second = lib.autograd.grad(sum((g * g).sum() for g in gs), wrt, allow_unused=True)
        res.append([g.detach().numpy() for g in gs] +
                   [np.zeros(1) if g is None else g.numpy() for g in second])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def test_second_backward_without_retain_graph_raises():
    m = ember.nn.LSTM(2, 3)
    out, _ = m(ember.tensor(randn(3, 1, 2), dtype=ember.float32))
    loss = out.sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


# ---------------------------------------------------------------------------- packed input
PACKED_CASES = [([4, 4, 4], True), ([4, 2, 1], True), ([1, 4, 2], False), ([2, 3, 3, 1], False)]


@pytest.mark.parametrize("lengths,sorted_", PACKED_CASES, ids=["full", "sorted", "unsorted",
                                                               "ties"])
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_packed_input(kind, lengths, sorted_):
    cls, extra = kind
    kw = config(cls, extra, (2, True, True, True))
    B, T = len(lengths), max(lengths)
    x = randn(B, T, 3)
    hx = [randn(*s) for s in hidden_shape(cls, kw, B)]
    weights = None
    res = []
    for lib in (ember, torch):
        m = build(lib, cls, kw, "float64")
        xt = lib.tensor(x, requires_grad=True)
        hs = [lib.tensor(h, requires_grad=True) for h in hx]
        packed = lib.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first=True,
                                                       enforce_sorted=sorted_)
        out, hidden = m(packed, tuple(hs) if cls == "LSTM" else hs[0])
        assert type(out).__name__ == "PackedSequence"
        outs = [out.data, out.batch_sizes, out.sorted_indices, out.unsorted_indices]
        outs += list(flat(hidden))
        diff = [o for o in outs if o is not None and o.requires_grad]
        if weights is None:
            weights = [randn(*o.shape) for o in diff]
        sum((o * lib.tensor(w)).sum() for o, w in zip(diff, weights)).backward()
        grads = [xt.grad] + [h.grad for h in hs] + [p.grad for p in m.parameters()]
        res.append((outs, grads))
    for k, (a, b) in enumerate(zip(res[0][0], res[1][0])):
        if b is None:
            assert a is None
        else:
            assert_same(a, b, where=f"output {k}", check_grad_fn=True, rtol=1e-9, atol=1e-11)
    for k, (a, b) in enumerate(zip(res[0][1], res[1][1])):
        assert_same(a, b, where=f"grad {k}", check_strides=False, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_packed_input_with_dropout(kind):
    cls, extra = kind
    kw = config(cls, extra, (3, True, False, True))
    kw["dropout"] = 0.3
    x = randn(4, 3, 3)
    res = []
    for lib in (ember, torch):
        m = build(lib, cls, kw, "float64")
        xt = lib.tensor(x, requires_grad=True)
        lib.manual_seed(7)
        out, hidden = m(lib.nn.utils.rnn.pack_padded_sequence(xt, [4, 1, 3],
                                                              enforce_sorted=False))
        (out.data.sum() + sum(h.sum() for h in flat(hidden))).backward()
        res.append([out.data] + list(flat(hidden)) + [xt.grad] +
                   [p.grad for p in m.parameters()])
    for a, b in zip(*res):
        assert_same(a, b, check_strides=False, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_packed_full_lengths_equal_padded(kind):
    """Within ember: a packed batch of full-length sequences runs exactly as the padded one."""
    cls, extra = kind
    kw = config(cls, extra, (2, True, False, True))
    m = build(ember, cls, kw, "float64")
    x = ember.tensor(randn(4, 3, 3))
    out, h = m(x)
    pout, ph = m(ember.nn.utils.rnn.pack_padded_sequence(x, [4, 4, 4]))
    padded, _ = ember.nn.utils.rnn.pad_packed_sequence(pout)
    np.testing.assert_array_equal(padded.detach().numpy(), out.detach().numpy())
    for a, b in zip(flat(h), flat(ph)):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_packed_input_through_pad_packed_round_trip():
    x = randn(2, 5, 3)
    res = []
    for lib in (ember, torch):
        m = build(lib, "GRU", dict(input_size=3, hidden_size=4, batch_first=True), "float64")
        xt = lib.tensor(x, requires_grad=True)
        p = lib.nn.utils.rnn.pack_padded_sequence(xt, lib.tensor([3, 5]), batch_first=True,
                                                  enforce_sorted=False)
        out, h = m(p)
        padded, lengths = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=True,
                                                               total_length=6)
        padded.sum().backward()
        res.append((padded, lengths, h, xt.grad))
    for a, b in zip(*res):
        assert_same(a, b, check_grad_fn=True, check_strides=False, rtol=1e-9, atol=1e-11)


# ---------------------------------------------------------------------------- parameters, init
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "L%d_b%d_bf%d_bi%d" % s)
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_seeded_state_dict_is_bit_identical(kind, shape):
    cls, extra = kind
    kw = config(cls, extra, shape, input_size=5, hidden_size=6)
    e, t = build(ember, cls, kw, seed=3), build(torch, cls, kw, seed=3)
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        assert tuple(es[k].shape) == tuple(ts[k].shape), k
        np.testing.assert_array_equal(es[k].numpy(), ts[k].numpy(), err_msg=k)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert e._flat_weights_names == t._flat_weights_names
    assert e._all_weights == t._all_weights
    assert [[tuple(p.shape) for p in g] for g in e.all_weights] == \
        [[tuple(p.shape) for p in g] for g in t.all_weights]
    assert all(a is b for a, b in zip(e._flat_weights, e.parameters()))
    # the generator is left where PyTorch leaves it
    assert ember.rand(3).tolist() == pytest.approx(torch.rand(3).tolist(), abs=0)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_seeded_parameters(cls, bias):
    e, t = build(ember, cls, dict(input_size=3, hidden_size=5, bias=bias)), \
        build(torch, cls, dict(input_size=3, hidden_size=5, bias=bias))
    assert list(e.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(e.state_dict()[k].numpy(), v.numpy())
    assert (e.bias_ih is None) == (t.bias_ih is None)


def test_flatten_parameters_is_a_no_op_and_weights_follow_casts():
    m = build(ember, "LSTM", dict(input_size=3, hidden_size=4, num_layers=2))
    before = [p.detach().numpy().copy() for p in m.parameters()]
    assert m.flatten_parameters() is None
    for a, p in zip(before, m.parameters()):
        np.testing.assert_array_equal(a, p.detach().numpy())
    m.double()
    assert all(w.dtype is ember.float64 for w in m._flat_weights)
    out, _ = m(ember.tensor(randn(2, 1, 3)))
    assert out.dtype is ember.float64
    # assigning a new parameter is seen by the next forward (as PyTorch's __setattr__ keeps it)
    m.weight_hh_l1 = ember.nn.Parameter(ember.zeros(16, 4, dtype=ember.float64))
    assert m._flat_weights[m._flat_weights_names.index("weight_hh_l1")] is m.weight_hh_l1
    m._flat_weights = list(m._flat_weights)     # (module-copying code reassigns the list)
    assert len(m._flat_weights) == 8


def test_weight_norm_on_recurrent_weight():
    res = []
    for lib in (ember, torch):
        m = build(lib, "GRU", dict(input_size=3, hidden_size=4), "float64")
        m = lib.nn.utils.parametrizations.weight_norm(m, "weight_hh_l0")
        x = lib.tensor(randn(5, 2, 3) if not res else res[0][-1], requires_grad=True)
        out, h = m(x)
        out.sum().backward()
        res.append([out, h, x.grad, m.parametrizations.weight_hh_l0.original0.grad,
                    x.detach().numpy()])
    for a, b in zip(res[0][:-1], res[1][:-1]):
        assert_same(a, b, check_strides=False, rtol=1e-9, atol=1e-11)


# ---------------------------------------------------------------------------- reprs
REPRS = [("LSTM", (10, 20), dict(num_layers=2, batch_first=True)),
         ("LSTM", (10, 20), dict(proj_size=5)),
         ("RNN", (10, 20, 2, "relu", False), dict(dropout=0.5, bidirectional=True)),
         ("RNN", (3, 4), dict(nonlinearity="tanh")),
         ("GRU", (3, 4), dict(dropout=1, num_layers=2, bias=False)),
         ("RNNCell", (3, 4), dict(nonlinearity="relu", bias=False)),
         ("LSTMCell", (3, 4), {}), ("GRUCell", (3, 4), dict(bias=False))]


@pytest.mark.parametrize("cls,args,kw", REPRS)
def test_repr(cls, args, kw):
    e, t = getattr(ember.nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
    assert repr(e) == repr(t)
    assert e.dropout == t.dropout if hasattr(t, "dropout") else True
    for attr in ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                 "bidirectional", "proj_size", "nonlinearity"):
        if hasattr(t, attr):
            assert getattr(e, attr) == getattr(t, attr), attr


# ---------------------------------------------------------------------------- cells
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
         ("GRUCell", {}), ("GRUCell", {"bias": False})]


def run_cell(lib, cls, kw, x, hx, dtype):
    m = build(lib, cls, dict(input_size=3, hidden_size=4, **kw), dtype)
    dt = getattr(lib, dtype)
    xt = lib.tensor(x, dtype=dt, requires_grad=True)
    hs = None if hx is None else [lib.tensor(h, dtype=dt, requires_grad=True) for h in hx]
    arg = None if hs is None else (tuple(hs) if cls == "LSTMCell" else hs[0])
    out = list(flat(m(xt, arg)))
    sum(((o * o).sum() for o in out)).backward()
    grads = [xt.grad] + [h.grad for h in hs or ()] + [p.grad for p in m.parameters()]
    return out, grads


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_hx", [True, False])
@pytest.mark.parametrize("cls,kw", CELLS)
def test_cells(cls, kw, with_hx, batched, dtype):
    lead = (2,) if batched else ()
    x = randn(*lead, 3)
    hx = None
    if with_hx:
        hx = [randn(*lead, 4) for _ in range(2 if cls == "LSTMCell" else 1)]
    (eo, eg), (to, tg) = (run_cell(lib, cls, kw, x, hx, dtype) for lib in (ember, torch))
    for a, b in zip(eo, to):
        assert_same(a, b, check_grad_fn=True, **TOL[dtype])
    for a, b in zip(eg, tg):
        assert_same(a, b, check_strides=False, **TOL[dtype])


@pytest.mark.parametrize("fn", ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"])
def test_cell_functions_double_backward(fn):
    gates = {"lstm_cell": 4, "gru_cell": 3}.get(fn, 1)
    arrays = [randn(2, 3), randn(2, 4), randn(gates * 4, 3), randn(gates * 4, 4),
              randn(gates * 4), randn(gates * 4)]
    if fn == "lstm_cell":
        arrays.insert(2, randn(2, 4))
    res = []
    for lib in (ember, torch):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        if fn == "lstm_cell":
            out = list(getattr(lib, fn)(ts[0], (ts[1], ts[2]), *ts[3:]))
        else:
            out = [getattr(lib, fn)(*ts)]
        gs = lib.autograd.grad(sum((o ** 3).sum() for o in out), ts, create_graph=True)
        second = lib.autograd.grad(sum((g * g).sum() for g in gs), ts)
        res.append([o.detach().numpy() for o in out] + [g.detach().numpy() for g in gs] +
                   [g.numpy() for g in second])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------- functional
@pytest.mark.parametrize("fn,gates", [("lstm", 4), ("gru", 3), ("rnn_tanh", 1),
                                      ("rnn_relu", 1)])
def test_functional_multilayer(fn, gates):
    L, D, H, I = 2, 2, 3, 2
    params = []
    for layer in range(L):
        for _ in range(D):
            ins = I if layer == 0 else H * D
            params += [randn(gates * H, ins), randn(gates * H, H), randn(gates * H),
                       randn(gates * H)]
    x = randn(4, 2, I)
    h = [randn(L * D, 2, H) for _ in range(2 if fn == "lstm" else 1)]
    res = []
    for lib in (ember, torch):
        ps = [lib.tensor(p, requires_grad=True) for p in params]
        hs = [lib.tensor(a, requires_grad=True) for a in h]
        xt = lib.tensor(x, requires_grad=True)
        hx = tuple(hs) if fn == "lstm" else hs[0]
        out = getattr(lib, fn)(xt, hx, ps, True, L, 0.0, False, True, False)
        sum(o.sum() for o in out).backward()
        res.append(list(out) + [xt.grad] + [a.grad for a in hs] + [p.grad for p in ps])
    for a, b in zip(*res):
        assert_same(a, b, check_strides=False, rtol=1e-9, atol=1e-11)


# ---------------------------------------------------------------------------- errors
def raises_same(make, call=None):
    """Both libraries raise the same exception type and message."""
    errs = []
    for lib in (ember, torch):
        try:
            obj = make(lib)
            if call is not None:
                call(lib, obj)
        except Exception as e:  # noqa: BLE001 - compared below
            errs.append(e)
        else:
            errs.append(None)
    assert errs[1] is not None, "torch raised nothing"
    assert errs[0] is not None, f"ember raised nothing; torch: {errs[1]}"
    assert_same_exception(errs[0], errs[1])


CTOR_ERRORS = [
    ("RNN", (3, 4), dict(nonlinearity="sigmoid")), ("RNN", (3, 4), dict(proj_size=2)),
    ("GRU", (3, 4), dict(proj_size=2)), ("LSTM", (3, 4), dict(proj_size=4)),
    ("LSTM", (3, 4), dict(proj_size=-1)), ("LSTM", (3, 4), dict(dropout=1.5)),
    ("LSTM", (3, 4), dict(dropout=True)), ("LSTM", (3, 4), dict(dropout="0.1")),
    ("LSTM", (3, 0), {}), ("LSTM", (0, 3), {}), ("LSTM", (3, 4, 0), {}),
    ("LSTM", (3, 4), dict(bias=1)), ("LSTM", (3, 4), dict(batch_first=None)),
    ("LSTM", (3.0, 4), {}), ("GRU", (3, 4.0), {}),
]


@pytest.mark.parametrize("cls,args,kw", CTOR_ERRORS)
def test_constructor_errors(cls, args, kw):
    raises_same(lambda lib: getattr(lib.nn, cls)(*args, **kw))


def test_dropout_warning_with_one_layer():
    got = []
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.GRU(2, 3, dropout=0.5)
        got.append([(x.category, str(x.message)) for x in w])
    assert got[0] == got[1] and len(got[0]) == 1


def _t(lib, *shape, dtype="float32"):
    return lib.tensor(randn(*shape), dtype=getattr(lib, dtype))


FORWARD_ERRORS = [
    ("RNN", lambda lib: (_t(lib, 2, 3, 3, 1),)),
    ("GRU", lambda lib: (_t(lib, 2, 3, 3, 1),)),
    ("LSTM", lambda lib: (_t(lib, 3),)),
    ("RNN", lambda lib: (_t(lib, 5, 2, 3, dtype="float64"),)),
    ("GRU", lambda lib: (_t(lib, 5, 2, 2),)),
    ("GRU", lambda lib: (_t(lib, 5, 2, 3), _t(lib, 2, 4))),
    ("RNN", lambda lib: (_t(lib, 5, 3), _t(lib, 1, 1, 4))),
    ("GRU", lambda lib: (_t(lib, 5, 2, 3), _t(lib, 1, 3, 4))),
    ("RNN", lambda lib: (_t(lib, 5, 2, 3), _t(lib, 2, 2, 4))),
    ("LSTM", lambda lib: (_t(lib, 5, 2, 3), (_t(lib, 1, 2, 4), _t(lib, 2, 4)))),
    ("LSTM", lambda lib: (_t(lib, 5, 3), (_t(lib, 1, 2, 4), _t(lib, 2, 4)))),
    ("LSTM", lambda lib: (_t(lib, 5, 2, 3), (_t(lib, 1, 3, 4), _t(lib, 1, 2, 4)))),
    ("LSTM", lambda lib: (_t(lib, 5, 2, 3), (_t(lib, 1, 2, 4), _t(lib, 1, 2, 5)))),
    ("LSTM", lambda lib: (_t(lib, 0, 2, 3),)),
    ("RNN", lambda lib: (lib.tensor(np.ones((5, 2, 3), np.int32)),)),
]


@pytest.mark.parametrize("cls,args", FORWARD_ERRORS)
def test_forward_errors(cls, args):
    raises_same(lambda lib: getattr(lib.nn, cls)(3, 4), lambda lib, m: m(*args(lib)))


CELL_ERRORS = [
    ("RNNCell", lambda lib: (_t(lib, 2, 5),)),
    ("RNNCell", lambda lib: (_t(lib, 2, 3), _t(lib, 3, 4))),
    ("RNNCell", lambda lib: (_t(lib, 2, 3), _t(lib, 2, 5))),
    ("RNNCell", lambda lib: (_t(lib, 2, 3, 3),)),
    ("RNNCell", lambda lib: (_t(lib, 3), _t(lib, 2, 4))),
    ("GRUCell", lambda lib: (_t(lib, 2, 3), _t(lib, 2, 4, 1))),
    ("LSTMCell", lambda lib: (_t(lib, 2, 3), (_t(lib, 2, 4), _t(lib, 3, 4)))),
    ("LSTMCell", lambda lib: (_t(lib, 2, 3), (_t(lib, 2, 4), _t(lib, 2, 5)))),
    ("LSTMCell", lambda lib: (_t(lib, 2, 3), (_t(lib, 2, 4), _t(lib, 2, 4, 1)))),
]


@pytest.mark.parametrize("cls,args", CELL_ERRORS)
def test_cell_errors(cls, args):
    raises_same(lambda lib: getattr(lib.nn, cls)(3, 4), lambda lib, m: m(*args(lib)))


def test_error_messages_name_torch_dtypes():
    m = ember.nn.LSTM(3, 4)
    with pytest.raises(ValueError) as e:
        m(ember.zeros(2, 1, 3, dtype=ember.float64))
    assert normalize_message(str(e.value)).startswith("RNN input dtype (torch.float64)")
