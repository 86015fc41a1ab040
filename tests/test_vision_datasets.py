"""ember.vision.datasets, utils and io against torchvision on tiny files written in the standard
formats (IDX, CIFAR pickles, image folders), and against Pillow for decoding."""
import gzip
import os
import pickle

import numpy as np
import pytest
from PIL import Image

import ember
import torch
from oracle import assert_same_exception
from vision_oracle import import_torchvision

tv = import_torchvision()
import torchvision.datasets as TD  # noqa: E402
import torchvision.datasets.cifar  # noqa: E402,F401
import torchvision.utils as TU  # noqa: E402

from ember.vision import datasets as ED, io as EIO, transforms as ET, utils as EU  # noqa: E402

RNG = np.random.default_rng(7)


def same_item(e, t):
    if isinstance(t, Image.Image):
        assert (e.mode, e.size) == (t.mode, t.size)
        np.testing.assert_array_equal(np.asarray(e), np.asarray(t))
    elif isinstance(t, torch.Tensor):
        np.testing.assert_array_equal(e.numpy(), t.numpy())
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    else:
        assert e == t and type(e) is type(t)


def write_idx(path, array, compress=False):
    codes = {np.uint8: 8, np.int8: 9}
    header = bytes([0, 0, codes[array.dtype.type], array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    (gzip.open if compress else open)(path, "wb").write(header + array.tobytes())


def make_mnist(root, name, compress=False, n_train=5, n_test=3):
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    suffix = ".gz" if compress else ""
    for split, n in (("train", n_train), ("t10k", n_test)):
        write_idx(os.path.join(raw, f"{split}-images-idx3-ubyte{suffix}"),
                  RNG.integers(0, 256, (n, 28, 28), dtype=np.uint8), compress)
        write_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte{suffix}"),
                  RNG.integers(0, 10, n, dtype=np.uint8), compress)


@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST"])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_readers(tmp_path, name, train):
    make_mnist(str(tmp_path), name)
    e = getattr(ED, name)(str(tmp_path), train=train, transform=ET.ToTensor())
    t = getattr(TD, name)(str(tmp_path), train=train)
    assert len(e) == len(t)
    same_item(e.data, t.data)
    same_item(e.targets, t.targets)
    assert e.classes == t.classes and e.class_to_idx == t.class_to_idx
    for i in range(len(t)):
        img, label = e[i]
        same_item(label, t[i][1])
        np.testing.assert_array_equal(img.numpy(), tv.transforms.ToTensor()(t[i][0]).numpy())
    plain = getattr(ED, name)(str(tmp_path), train=train)
    same_item(plain[0][0], t[0][0])
    assert repr(plain) == repr(t)


def test_mnist_reads_gz_only(tmp_path):
    make_mnist(str(tmp_path), "MNIST", compress=True)
    ds = ED.MNIST(str(tmp_path))
    assert len(ds) == 5 and ds.data.dtype == ember.uint8 and ds.targets.dtype == ember.int64


def test_mnist_missing_files(tmp_path):
    with pytest.raises(RuntimeError) as t_info:
        TD.MNIST(str(tmp_path))
    with pytest.raises(RuntimeError) as e_info:
        ED.MNIST(str(tmp_path))
    assert_same_exception(e_info.value, t_info.value)
    with pytest.raises(RuntimeError, match="does not download") as info:
        ED.FashionMNIST(str(tmp_path), download=True)
    for stem in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert os.path.join(str(tmp_path), "FashionMNIST", "raw", stem) in str(info.value)


def make_cifar(root, hundred=False):
    folder = os.path.join(root, "cifar-100-python" if hundred else "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    names = ["train", "test"] if hundred else [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        n = 3
        entry = {"data": RNG.integers(0, 256, (n, 3072), dtype=np.uint8)}
        entry["fine_labels" if hundred else "labels"] = RNG.integers(0, 100 if hundred else 10, n).tolist()
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(entry, f)
    meta = {"fine_label_names": [f"c{i}" for i in range(100)]} if hundred else \
        {"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]}
    with open(os.path.join(folder, "meta" if hundred else "batches.meta"), "wb") as f:
        pickle.dump(meta, f)


@pytest.mark.parametrize("hundred", [False, True])
@pytest.mark.parametrize("train", [True, False])
def test_cifar_readers(tmp_path, monkeypatch, hundred, train):
    make_cifar(str(tmp_path), hundred)
    # the tiny files cannot carry the official MD5 sums: let torchvision check presence only
    monkeypatch.setattr(torchvision.datasets.cifar, "check_integrity", lambda path, md5=None: os.path.isfile(path))
    cls = "CIFAR100" if hundred else "CIFAR10"
    e = getattr(ED, cls)(str(tmp_path), train=train)
    t = getattr(TD, cls)(str(tmp_path), train=train)
    assert len(e) == len(t) and e.targets == t.targets and e.classes == t.classes
    assert e.class_to_idx == t.class_to_idx
    np.testing.assert_array_equal(e.data, t.data)
    for i in range(len(t)):
        same_item(e[i][0], t[i][0])
        same_item(e[i][1], t[i][1])
    assert repr(e) == repr(t)


def test_cifar_archive_and_offline_errors(tmp_path):
    import tarfile
    src = tmp_path / "src"
    make_cifar(str(src))
    with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    assert len(ED.CIFAR10(str(tmp_path), train=True)) == 15
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RuntimeError) as t_info:
        TD.CIFAR10(str(empty))
    with pytest.raises(RuntimeError) as e_info:
        ED.CIFAR10(str(empty))
    assert_same_exception(e_info.value, t_info.value)
    with pytest.raises(RuntimeError, match="does not download") as info:
        ED.CIFAR100(str(empty), download=True)
    assert os.path.join(str(empty), "cifar-100-python", "train") in str(info.value)


def make_image_folder(root):
    for cls, n in (("dog", 2), ("cat", 3)):
        os.makedirs(os.path.join(root, cls, "nested"), exist_ok=True)
        for i in range(n):
            arr = RNG.integers(0, 256, (5 + i, 7, 3), dtype=np.uint8)
            sub = "nested" if i == 2 else ""
            Image.fromarray(arr).save(os.path.join(root, cls, sub, f"img{i}.png"))
        with open(os.path.join(root, cls, "notes.txt"), "w") as f:
            f.write("not an image")


def test_image_folder(tmp_path):
    make_image_folder(str(tmp_path))
    e = ED.ImageFolder(str(tmp_path))
    t = TD.ImageFolder(str(tmp_path))
    assert e.classes == t.classes and e.class_to_idx == t.class_to_idx
    assert e.samples == t.samples and e.targets == t.targets and e.imgs == t.imgs
    for i in range(len(t)):
        same_item(e[i][0], t[i][0])
        same_item(e[i][1], t[i][1])
    assert repr(e) == repr(t)
    e = ED.ImageFolder(str(tmp_path), transform=ET.ToTensor(), target_transform=lambda y: y + 10)
    img, label = e[0]
    assert tuple(img.shape) == (3, 5, 7) and label == 10
    assert repr(e).splitlines()[3:5] == ["    StandardTransform", "Transform: ToTensor()"]


def test_dataset_folder_and_errors(tmp_path):
    make_image_folder(str(tmp_path))
    kw = dict(loader=lambda p: open(p).read(), extensions=(".txt",))
    e, t = ED.DatasetFolder(str(tmp_path), **kw), TD.DatasetFolder(str(tmp_path), **kw)
    assert e.samples == t.samples and e[1] == t[1]
    os.makedirs(tmp_path / "empty_class")
    for make in (lambda D: D.ImageFolder(str(tmp_path)),
                 lambda D: D.DatasetFolder(str(tmp_path), loader=print),
                 lambda D: D.ImageFolder(str(tmp_path / "empty_class")),
                 lambda D: D.DatasetFolder(str(tmp_path), loader=print, extensions=".png",
                                           is_valid_file=lambda p: True)):
        with pytest.raises(Exception) as t_info:
            make(TD)
        with pytest.raises(type(t_info.value)) as e_info:
            make(ED)
        assert_same_exception(e_info.value, t_info.value)
    assert len(ED.ImageFolder(str(tmp_path), allow_empty=True)) == len(TD.ImageFolder(str(tmp_path), allow_empty=True))


@pytest.mark.parametrize("kw", [dict(size=4, image_size=(3, 6, 5)), dict(size=3, image_size=(1, 4, 4), num_classes=3,
                                                                         random_offset=100)])
def test_fake_data(kw):
    ember.manual_seed(3)
    torch.manual_seed(3)
    e, t = ED.FakeData(**kw), TD.FakeData(**kw)
    assert len(e) == len(t)
    for i in range(len(t)):
        same_item(e[i][0], t[i][0])
        same_item(e[i][1], t[i][1])
    # the global generator is left as it was
    assert ember.rand(2).tolist() == torch.rand(2).tolist()
    with pytest.raises(IndexError) as t_info:
        t[len(t)]
    with pytest.raises(IndexError) as e_info:
        e[len(e)]
    assert_same_exception(e_info.value, t_info.value)
    assert repr(e) == repr(t)


def test_digits_embedded():
    full, train, test = ED.Digits(), ED.Digits(train=True), ED.Digits(train=False)
    assert len(full) == len(train) + len(test)
    assert full.data.dtype == ember.uint8 and tuple(full.data.shape[1:]) == (8, 8)
    assert full.targets.dtype == ember.int64
    assert int(full.data.max()) == 16 and int(full.data.min()) == 0
    assert sorted(set(full.targets.tolist())) == list(range(10))
    np.testing.assert_array_equal(ember.cat([train.data, test.data]).numpy(), full.data.numpy())
    img, label = full[5]
    assert tuple(img.shape) == (1, 8, 8) and img.dtype == ember.float32
    np.testing.assert_array_equal(img.numpy()[0] * 16, full.data[5].numpy())
    assert label == int(full.targets[5])
    normed = ED.Digits(transform=ET.Normalize([0.5], [0.5]), target_transform=str)
    assert normed[5][1] == str(label) and float(normed[5][0].min()) >= -1.0
    batch = next(iter(ember.utils.data.DataLoader(full, batch_size=16)))
    assert tuple(batch[0].shape) == (16, 1, 8, 8) and batch[1].dtype == ember.int64
    assert repr(train).splitlines()[-1] == "    Split: Train"


# ---------------------------------------------------------------- utils


@pytest.mark.parametrize("kw", [{}, dict(nrow=3, padding=1), dict(padding=0, pad_value=0.5),
                                dict(normalize=True), dict(normalize=True, value_range=(0.2, 0.8)),
                                dict(normalize=True, scale_each=True, nrow=2)])
@pytest.mark.parametrize("shape", [(5, 3, 4, 6), (2, 1, 3, 3), (1, 3, 4, 4), (3, 5)])
def test_make_grid(kw, shape):
    x = RNG.random(shape, dtype=np.float32) * 3 - 1
    e = EU.make_grid(ember.from_numpy(x.copy()), **kw)
    t = TU.make_grid(torch.from_numpy(x.copy()), **kw)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=0, atol=1e-6)
    listed = EU.make_grid([ember.from_numpy(a) for a in x], **kw) if len(shape) == 4 else None
    if listed is not None:
        np.testing.assert_allclose(listed.numpy(), t.numpy(), rtol=0, atol=1e-6)


def test_make_grid_errors():
    for bad in ([torch.zeros(3, 2, 2), 1], "img"):
        with pytest.raises(TypeError) as t_info:
            TU.make_grid(bad)
        e_bad = [ember.zeros(3, 2, 2), 1] if isinstance(bad, list) else bad
        with pytest.raises(TypeError) as e_info:
            EU.make_grid(e_bad)
        assert_same_exception(e_info.value, t_info.value)
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        EU.make_grid(ember.zeros(2, 3, 2, 2), normalize=True, value_range=[0, 1])


def test_save_image(tmp_path):
    x = RNG.random((4, 3, 5, 6), dtype=np.float32)
    EU.save_image(ember.from_numpy(x), str(tmp_path / "e.png"), nrow=2)
    TU.save_image(torch.from_numpy(x), str(tmp_path / "t.png"), nrow=2)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "e.png")),
                                  np.asarray(Image.open(tmp_path / "t.png")))


# ---------------------------------------------------------------- io


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "LA", "P", "I;16"])
def test_read_image_png(tmp_path, mode):
    arr = RNG.integers(0, 256, (6, 9, 3), dtype=np.uint8)
    img = Image.fromarray(arr).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        img = Image.fromarray(RNG.integers(0, 65535, (6, 9), dtype=np.uint16))
    path = str(tmp_path / "x.png")
    img.save(path)
    out = EIO.read_image(path)
    reference = Image.open(path)
    reference = reference.convert("RGB") if mode == "P" else reference
    expected = np.asarray(reference)
    expected = expected[:, :, None] if expected.ndim == 2 else expected
    np.testing.assert_array_equal(out.numpy(), expected.transpose(2, 0, 1))
    assert out.dtype == (ember.uint16 if mode == "I;16" else ember.uint8)
    if mode != "I;16":
        gray = EIO.decode_image(EIO.read_file(path), mode=EIO.ImageReadMode.GRAY)
        np.testing.assert_array_equal(gray.numpy()[0], np.asarray(Image.open(path).convert("L")))
        rgb = EIO.read_image(path, mode="RGB")
        np.testing.assert_array_equal(rgb.numpy(), np.asarray(Image.open(path).convert("RGB")).transpose(2, 0, 1))


def test_read_image_jpeg_and_png_roundtrip(tmp_path):
    arr = RNG.integers(0, 256, (16, 12, 3), dtype=np.uint8)
    path = str(tmp_path / "x.jpg")
    Image.fromarray(arr).save(path, quality=90)
    out = EIO.read_image(path)
    np.testing.assert_array_equal(out.numpy(), np.asarray(Image.open(path)).transpose(2, 0, 1))
    EIO.write_png(out, str(tmp_path / "y.png"))
    np.testing.assert_array_equal(EIO.read_image(str(tmp_path / "y.png")).numpy(), out.numpy())
    with pytest.raises(RuntimeError, match="1-dimensional uint8"):
        EIO.decode_image(ember.zeros(3, 3))
