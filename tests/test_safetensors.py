"""ember.utils.safetensors: a hand-written reference file in the documented format (8-byte
little-endian header length, JSON header padded to 8 bytes, tensors ordered widest dtype first),
every dtype's bytes against PyTorch's, the errors, the lazy safe_open, and (when the
`safetensors` package is installed) byte-identical interop with safetensors.torch both ways."""
import json
import struct

import numpy as np
import pytest
import torch

import ember
from ember._tensor import make_tensor
from ember.utils import safetensors as est

# name -> safetensors dtype code, as documented
CODES = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "float8_e5m2": "F8_E5M2",
         "float8_e4m3fn": "F8_E4M3", "int16": "I16", "uint16": "U16", "float16": "F16",
         "bfloat16": "BF16", "int32": "I32", "uint32": "U32", "float32": "F32",
         "complex64": "C64", "float64": "F64", "int64": "I64", "uint64": "U64"}


def torch_tensor(name, shape=(2, 3), seed=0):
    """A torch tensor of dtype ``name`` with varied values (made from NumPy)."""
    rng = np.random.default_rng(seed)
    vals = rng.standard_normal(int(np.prod(shape))).reshape(shape) * 3
    t = torch.from_numpy(vals)
    if name == "bool":
        return t > 0
    if name.startswith(("int", "uint")):
        return t.abs().round().to(getattr(torch, name))
    return t.to(getattr(torch, name))


def raw(t):
    """Row-major bytes of a torch tensor."""
    t = t.contiguous().reshape(-1)
    return t.view(torch.uint8).numpy().tobytes() if t.numel() else b""


def to_ember(t):
    """The ember tensor with exactly the bytes of torch tensor ``t``."""
    ed = getattr(ember, str(t.dtype)[6:])
    arr = np.frombuffer(raw(t), dtype=ed.np).reshape(tuple(t.shape)).copy()
    return make_tensor(arr, ed)


def assert_equal(e, t):
    assert str(e.dtype)[6:] == str(t.dtype)[6:]
    assert tuple(e.shape) == tuple(t.shape)
    assert e.is_contiguous()
    assert np.ascontiguousarray(e._array).tobytes() == raw(t)


def reference_file(entries, metadata=None):
    """A safetensors file built by hand from the format's description: ``entries`` is a list of
    (name, code, shape, data bytes) already in file order."""
    header, offset = {}, 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, code, shape, data in entries:
        header[name] = {"dtype": code, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(d for *_, d in entries)


# ---------------------------------------------------------------------------- the format
def test_matches_hand_written_reference_file():
    w = torch_tensor("float32", (2, 3))
    b = torch_tensor("bfloat16", (3,), 1)
    i = torch_tensor("int64", (2,), 2)
    m = torch_tensor("bool", (4,), 3)
    z = torch.tensor(7, dtype=torch.int16)
    e = torch.zeros(0, 2, dtype=torch.float16)
    # widest dtype first (I64 > F32 > BF16 > F16 > I16 > BOOL), ties by name
    ref = reference_file([("i", "I64", (2,), raw(i)), ("w", "F32", (2, 3), raw(w)),
                          ("b", "BF16", (3,), raw(b)), ("e", "F16", (0, 2), b""),
                          ("z", "I16", (), raw(z)), ("m", "BOOL", (4,), raw(m))],
                         metadata={"format": "pt", "note": "ünï"})
    tensors = {"w": w, "b": b, "i": i, "m": m, "z": z, "e": e}
    assert est.save({k: to_ember(v) for k, v in tensors.items()},
                    metadata={"format": "pt", "note": "ünï"}) == ref
    out = est.load(ref)
    assert list(out) == sorted(tensors)
    for k, t in tensors.items():
        assert_equal(out[k], t)


def test_header_is_padded_and_data_aligned():
    for n in range(1, 9):
        data = est.save({"x" * n: ember.ones(n, dtype=ember.float64), "y": ember.ones(3)})
        (size,) = struct.unpack("<Q", data[:8])
        assert (8 + size) % 8 == 0 and data[8:8 + size].rstrip(b" ").endswith(b"}")
        header = json.loads(data[8:8 + size])
        assert header["x" * n]["data_offsets"] == [0, 8 * n]   # F64 before F32


@pytest.mark.parametrize("name", list(CODES))
def test_every_dtype_bytes_and_roundtrip(name, tmp_path):
    t = torch_tensor(name, (2, 3), seed=len(name))
    e = to_ember(t)
    data = est.save({"t": e})
    assert data == reference_file([("t", CODES[name], (2, 3), raw(t))])
    assert_equal(est.load(data)["t"], t)
    path = tmp_path / "m.safetensors"
    est.save_file({"t": e}, path)
    assert path.read_bytes() == data
    assert_equal(est.load_file(path)["t"], t)


def test_zero_dim_empty_and_non_contiguous_after_contiguous():
    base = ember.arange(12.).reshape(3, 4)
    tensors = {"zero_dim": ember.tensor(2.5), "empty": ember.zeros(0, 3, dtype=ember.int32),
               "packed": base.t().contiguous(), "slice": ember.arange(10)[2:5].clone()}
    out = est.load(est.save(tensors))
    for k, v in tensors.items():
        assert out[k].dtype == v.dtype and tuple(out[k].shape) == tuple(v.shape)
        assert out[k].tolist() == v.tolist()
    assert out["packed"].stride() == (3, 1)


def test_loaded_tensors_own_writable_memory(tmp_path):
    path = tmp_path / "m.safetensors"
    est.save_file({"a": ember.ones(3)}, path)
    out = est.load_file(path)
    out["a"][0] = 5.
    path.unlink()                       # the file can go: nothing maps it any more
    assert out["a"].tolist() == [5., 1., 1.]
    data = est.save({"a": ember.ones(2)})
    loaded = est.load(data)["a"]
    loaded += 1
    assert loaded.tolist() == [2., 2.]


def test_metadata_kept_and_absent(tmp_path):
    path = tmp_path / "m.safetensors"
    est.save_file({"a": ember.ones(1)}, path, metadata={"k": "v", "format": "pt"})
    with est.safe_open(path, framework="pt") as f:
        assert f.metadata() == {"k": "v", "format": "pt"}
    est.save_file({"a": ember.ones(1)}, path)
    with est.safe_open(path, framework="pt") as f:
        assert f.metadata() is None


# ---------------------------------------------------------------------------- safe_open
def test_safe_open_keys_slices_and_tensors(tmp_path):
    t = torch_tensor("float32", (4, 5), 3)
    tensors = {"w": t, "b": torch_tensor("bfloat16", (6,), 4), "i": torch_tensor("int64", (2,))}
    path = tmp_path / "m.safetensors"
    est.save_file({k: to_ember(v) for k, v in tensors.items()}, path)
    with est.safe_open(path, framework="pt", device="cpu") as f:
        assert f.keys() == ["b", "i", "w"]
        assert f.offset_keys() == ["i", "w", "b"]
        s = f.get_slice("w")
        assert s.get_shape() == [4, 5] and s.get_dtype() == "F32"
        for index in [(slice(1, 3),), (slice(None), slice(None, None, 2)), (1,), (slice(0, 0),),
                      (slice(-2, None), slice(1, 4))]:
            assert_equal(s[index], t[index].contiguous())
        assert_equal(f.get_slice("b")[2:5], tensors["b"][2:5])
        assert_equal(f.get_tensor("i"), tensors["i"])
        with pytest.raises(est.SafetensorError, match="^File does not contain tensor nope$"):
            f.get_tensor("nope")
        with pytest.raises(est.SafetensorError, match="^File does not contain tensor nope$"):
            f.get_slice("nope")
    with pytest.raises(est.SafetensorError, match="^File is closed$"):
        f.get_tensor("w")
    with est.safe_open(path, framework="np") as f:
        a = f.get_tensor("w")
        assert type(a) is np.ndarray and a.tobytes() == raw(t)


def test_safe_open_bad_arguments(tmp_path):
    path = tmp_path / "m.safetensors"
    est.save_file({"a": ember.ones(1)}, path)
    with pytest.raises(est.SafetensorError, match="^framework jax2 is invalid$"):
        est.safe_open(path, framework="jax2")
    missing = str(tmp_path / "nope.safetensors")
    with pytest.raises(FileNotFoundError, match=f"^No such file or directory: {missing}$"):
        est.safe_open(missing, framework="pt")


# ---------------------------------------------------------------------------- errors on save
def test_save_refuses_what_safetensors_refuses():
    with pytest.raises(ValueError, match=r"non contiguous tensor: `a` which is not allowed"):
        est.save({"a": ember.ones(2, 3).t()})
    with pytest.raises(ValueError, match=r"non contiguous tensor: `e`"):
        est.save({"e": ember.ones(3, 1).expand(3, 4)})
    with pytest.raises(ValueError, match=r"^Key `b` is invalid, expected torch.Tensor but "
                                         r"received <class 'NoneType'>$"):
        est.save({"a": ember.ones(1), "b": None})
    with pytest.raises(ValueError, match=r"^Expected a dict of \[str, torch.Tensor\] but "
                                         r"received <class 'list'>$"):
        est.save([ember.ones(1)])
    with pytest.raises(KeyError, match="ember.complex128"):
        est.save({"c": ember.ones(2, dtype=ember.complex128)})
    with pytest.raises(TypeError, match="^argument 'metadata': 'int' object is not an instance "
                                        "of 'str'$"):
        est.save({"a": ember.ones(1)}, metadata={"a": 1})
    with pytest.raises(TypeError, match="^argument 'metadata': 'list' object is not an "
                                        "instance of 'dict'$"):
        est.save({"a": ember.ones(1)}, metadata=[1])
    with pytest.raises(TypeError, match="^argument 'tensor_dict': 'int' object is not an "
                                        "instance of 'str'$"):
        est.save({1: ember.ones(1)})


def test_shared_tensors_refused():
    x = ember.ones(4)
    for other in (x, x[:2], x.view(2, 2)):
        with pytest.raises(RuntimeError, match=r"(?s)Some tensors share memory, this will lead to "
                                               r"duplicate memory on disk.*\[\{'(a', 'b|b', 'a)'"
                                               r"\}\].*use `save_model`"):
            est.save({"a": x, "b": other})
    # a tensor sharing nothing, and clones, are fine
    assert set(est.load(est.save({"a": x, "b": x[:2].clone()}))) == {"a", "b"}


# ---------------------------------------------------------------------------- errors on load
def _file(header, data=b""):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


F32 = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}
BAD_FILES = {
    "empty": (b"", "header too small"),
    "short": (b"\x05", "header too small"),
    "huge_header": (b"\xff" * 8, "header too large"),
    "past_end": (struct.pack("<Q", 10) + b"{}", "invalid header length"),
    "not_a_map": (_file(b"[]"), "invalid JSON in header: "),
    "bad_json": (_file(b"{x"), "invalid JSON in header: "),
    "bad_utf8": (_file(b"\xff\xfe"), "invalid UTF-8 in header: "),
    "extra_bytes": (_file(b"{}", b"xx"), "incomplete metadata, file not fully covered"),
    "short_data": (_file({"a": F32}, b"xx"), "incomplete metadata, file not fully covered"),
    "size_mismatch": (_file({"a": {**F32, "shape": [2]}}, b"x" * 4),
                      "invalid shape, data type, or offset for tensor"),
    "gap": (_file({"a": {**F32, "data_offsets": [4, 8]}}, b"x" * 8),
            "invalid offset for tensor `a`"),
    "unknown_dtype": (_file({"a": {**F32, "dtype": "Q32"}}, b"x" * 4),
                      "invalid JSON in header: unknown variant `Q32`"),
    "negative_dim": (_file({"a": {**F32, "shape": [-1]}}, b"x" * 4),
                     "invalid JSON in header: invalid value: "),
    "missing_field": (_file({"a": {"dtype": "F32", "shape": [1]}}, b"x" * 4),
                      "invalid JSON in header: missing field `data_offsets`"),
    "metadata_not_str": (_file({"__metadata__": {"a": 1}, "a": F32}, b"x" * 4),
                         "invalid JSON in header: invalid type: "),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_damaged_files_raise_clearly(case, tmp_path):
    data, message = BAD_FILES[case]
    prefix = "Error while deserializing: " + message
    with pytest.raises(est.SafetensorError) as info:
        est.load(data)
    assert str(info.value).startswith(prefix), str(info.value)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(est.SafetensorError, match="^Error while deserializing: "):
        est.load_file(path)


def test_leading_space_and_null_metadata_are_valid_json():
    data = _file(b' {"__metadata__":null,"a":' + json.dumps(F32).encode() + b"}",
                 struct.pack("<f", 1.5))
    assert est.load(data)["a"].tolist() == [1.5]


# ---------------------------------------------------------------------------- the real library
def test_interop_with_the_safetensors_package(tmp_path):
    stt = pytest.importorskip("safetensors.torch")
    safetensors = pytest.importorskip("safetensors")
    tensors = {n: torch_tensor(n, (2, 3), i) for i, n in enumerate(CODES)}
    tensors["zero_dim"] = torch.tensor(3.5)
    tensors["empty"] = torch.zeros(0, 4, dtype=torch.bfloat16)
    for metadata in (None, {"format": "pt", "k": "v"}):
        theirs = stt.save(tensors, metadata=metadata)
        ours = est.save({k: to_ember(v) for k, v in tensors.items()}, metadata=metadata)
        if metadata is None:
            assert ours == theirs                              # byte for byte
        else:   # safetensors writes metadata keys in its hash map's (random) order
            assert len(ours) == len(theirs) and ours[:8] == theirs[:8]
            size = struct.unpack("<Q", ours[:8])[0] + 8
            assert json.loads(ours[8:size]) == json.loads(theirs[8:size])
            assert ours[size:] == theirs[size:]
        back = stt.load(ours)                                  # ember -> safetensors
        assert set(back) == set(tensors)
        for k, t in tensors.items():
            assert back[k].dtype == t.dtype and raw(back[k]) == raw(t)
        mine = est.load(theirs)                                # safetensors -> ember
        for k, t in tensors.items():
            assert_equal(mine[k], t)
    path = tmp_path / "m.safetensors"
    est.save_file({k: to_ember(v) for k, v in tensors.items()}, path, metadata={"a": "b"})
    with safetensors.safe_open(path, framework="pt") as theirs, \
            est.safe_open(path, framework="pt") as ours:
        assert theirs.keys() == ours.keys() and theirs.metadata() == ours.metadata()
        assert theirs.offset_keys() == ours.offset_keys()
        s, o = theirs.get_slice("float32"), ours.get_slice("float32")
        assert s.get_shape() == o.get_shape() and s.get_dtype() == o.get_dtype()
        assert_equal(o[1:, ::2], s[1:, ::2])


def test_errors_match_the_safetensors_package():
    stt = pytest.importorskip("safetensors.torch")
    for case, (data, _) in BAD_FILES.items():
        with pytest.raises(Exception) as theirs:
            stt.load(data)
        with pytest.raises(est.SafetensorError) as ours:
            est.load(data)
        assert type(theirs.value).__name__ == "SafetensorError"
        t, o = str(theirs.value), str(ours.value)
        # serde's own detail (line/column) is not reproduced: compare up to it
        cut = t.find(" at line ")
        assert (o == t) if cut < 0 else o.startswith(t[:t.index(":", 27) + 1]), (case, t, o)
    x = torch.ones(4)
    e = ember.ones(4)
    pairs = [({"a": torch.ones(2, 3).t()}, {"a": ember.ones(2, 3).t()}, None),
             ({"a": x, "b": x[:2]}, {"a": e, "b": e[:2]}, None),
             ({"a": x}, {"a": e}, {"a": 1}),
             ([x], [e], None), ({"a": None}, {"a": None}, None)]
    for theirs_in, ours_in, metadata in pairs:
        with pytest.raises(Exception) as theirs:
            stt.save(theirs_in, metadata=metadata)
        with pytest.raises(Exception) as ours:
            est.save(ours_in, metadata=metadata)
        assert type(ours.value) is type(theirs.value)
        msg = str(theirs.value)
        if "share memory" in msg:       # a set's order is not fixed
            msg = msg[:msg.index("[")]
        assert str(ours.value).startswith(msg)


# ---------------------------------------------------------------------------- save_model
def tied(lib):
    m = lib.nn.Sequential(lib.nn.Embedding(5, 3), lib.nn.Linear(3, 5, bias=False),
                          lib.nn.Linear(3, 5))
    m[1].weight = m[0].weight            # tied weights share one storage
    return m


def test_save_model_drops_tied_names_and_load_model_restores(tmp_path):
    em = tied(ember)
    path = tmp_path / "m.safetensors"
    with pytest.raises(RuntimeError, match="Some tensors share memory"):
        est.save_file(em.state_dict(), path)
    est.save_model(em, path, metadata={"user": "kept"})
    with est.safe_open(path, framework="pt") as f:
        assert f.keys() == ["0.weight", "2.bias", "2.weight"]
        assert f.metadata() == {"user": "kept", "1.weight": "0.weight"}
    fresh = tied(ember)
    assert est.load_model(fresh, path) == (set(), [])
    for a, b in zip(fresh.state_dict().values(), em.state_dict().values()):
        assert a.tolist() == b.tolist()
    assert fresh[1].weight is fresh[0].weight
    missing, unexpected = est.load_model(ember.nn.Linear(3, 5), path, strict=False)
    assert missing == {"weight", "bias"} and unexpected == ["0.weight", "2.bias", "2.weight"]
    with pytest.raises(RuntimeError, match='^Error\\(s\\) in loading state_dict for Linear:\n'
                                           '    Missing key\\(s\\) in state_dict: "bias", '
                                           '"weight"\n    Unexpected key\\(s\\)'):
        est.load_model(ember.nn.Linear(3, 5), path)


def test_save_model_refuses_partial_views(tmp_path):
    m = ember.nn.Module()
    big = ember.zeros(6)
    m.register_buffer("a", big[:3])
    m.register_buffer("b", big[3:])
    with pytest.raises(RuntimeError, match="found no suitable name to keep for saving"):
        est.save_model(m, tmp_path / "m.safetensors")


def test_save_model_interop_with_the_safetensors_package(tmp_path):
    stt = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    tm = tied(torch)
    em = tied(ember)
    em.load_state_dict({k: to_ember(v) for k, v in tm.state_dict().items()})
    theirs, ours = tmp_path / "t.safetensors", tmp_path / "e.safetensors"
    stt.save_model(tm, str(theirs))
    est.save_model(em, ours)
    assert ours.read_bytes() == theirs.read_bytes()
    back = tied(torch)
    assert stt.load_model(back, str(ours)) == est.load_model(tied(ember), theirs)
    assert torch.equal(back[0].weight, tm[0].weight)
    for strict in (False, True):
        try:
            expected = stt.load_model(torch.nn.Linear(3, 5), str(theirs), strict=strict)
        except RuntimeError as e:
            with pytest.raises(RuntimeError) as info:
                est.load_model(ember.nn.Linear(3, 5), ours, strict=strict)
            assert str(info.value) == str(e)
        else:
            assert est.load_model(ember.nn.Linear(3, 5), ours, strict=strict) == expected
