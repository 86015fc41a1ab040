"""ember.vision.transforms against torchvision's own (pure-Python) transforms: same pixels, dtypes,
shapes, random draws after the same seed, reprs and errors, for tensor and PIL inputs."""
import random
import warnings

import numpy as np
import pytest
from PIL import Image

import ember
import torch
from oracle import assert_same_exception
from vision_oracle import import_torchvision

tv = import_torchvision()
from torchvision import transforms as TT  # noqa: E402
from torchvision.transforms import functional as TF  # noqa: E402
from torchvision.transforms import v2 as TV2  # noqa: E402

from ember.vision import transforms as ET  # noqa: E402
from ember.vision.transforms import functional as EF  # noqa: E402
from ember.vision.transforms import v2 as EV2  # noqa: E402

RNG = np.random.default_rng(1234)
U8 = RNG.integers(0, 256, (3, 17, 23), dtype=np.uint8)
F32 = RNG.random((3, 17, 23), dtype=np.float32)
F64 = RNG.random((1, 12, 9))
BATCH = RNG.random((2, 3, 9, 11), dtype=np.float32)
GRAY_U8 = RNG.integers(0, 256, (1, 10, 14), dtype=np.uint8)


def pil_rgb():
    return Image.fromarray(np.ascontiguousarray(U8.transpose(1, 2, 0)))


def pil_gray():
    return Image.fromarray(GRAY_U8[0])


def both(array, layout=None):
    """The same image as an ember and a torch tensor; 'transposed' swaps H and W (non-contiguous)."""
    e, t = ember.from_numpy(array.copy()), torch.from_numpy(array.copy())
    if layout == "transposed":
        e, t = e.transpose(-1, -2), t.transpose(-1, -2)
    return e, t


def assert_image_same(e, t, atol=0.0):
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t)
        for a, b in zip(e, t):
            assert_image_same(a, b, atol)
        return
    if isinstance(t, Image.Image):
        assert isinstance(e, Image.Image)
        assert (e.mode, e.size) == (t.mode, t.size)
        np.testing.assert_array_equal(np.asarray(e), np.asarray(t))
        return
    assert isinstance(e, ember.Tensor), type(e)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(e.shape) == tuple(t.shape)
    a, b = e.numpy().astype(np.float64), t.numpy().astype(np.float64)
    np.testing.assert_allclose(a, b, rtol=0, atol=atol)


def run_both(make, e_img, t_img, seed=0):
    """Build the transform from each library's module, seed both generators, apply."""
    ember.manual_seed(seed)
    torch.manual_seed(seed)
    random.seed(seed)
    e_out = make(ET)(e_img)
    random.seed(seed)
    t_out = make(TT)(t_img)
    return e_out, t_out


# transforms whose random draws and pixels must match torchvision's (factory takes the module)
CASES = {
    "resize_short_edge": lambda T: T.Resize(9),
    "resize_up": lambda T: T.Resize((30, 41)),
    "resize_bicubic": lambda T: T.Resize((8, 11), interpolation=T.InterpolationMode.BICUBIC),
    "resize_nearest": lambda T: T.Resize((8, 11), interpolation=T.InterpolationMode.NEAREST),
    "resize_no_antialias": lambda T: T.Resize((8, 11), antialias=False),
    "resize_max_size": lambda T: T.Resize(8, max_size=10),
    "center_crop": lambda T: T.CenterCrop(10),
    "center_crop_pads": lambda T: T.CenterCrop((20, 30)),
    "random_crop_reflect": lambda T: T.RandomCrop(8, padding=3, padding_mode="reflect"),
    "random_crop_symmetric": lambda T: T.RandomCrop(20, padding=4, padding_mode="symmetric"),
    "random_crop_pad_if_needed": lambda T: T.RandomCrop(30, pad_if_needed=True, padding_mode="edge"),
    "random_crop_fill": lambda T: T.RandomCrop((12, 12), padding=(1, 2), fill=3),
    "random_resized_crop": lambda T: T.RandomResizedCrop(12),
    "random_resized_crop_narrow": lambda T: T.RandomResizedCrop((6, 9), scale=(0.5, 0.6), ratio=(2.0, 3.0)),
    "hflip": lambda T: T.RandomHorizontalFlip(),
    "vflip": lambda T: T.RandomVerticalFlip(0.7),
    "rotation": lambda T: T.RandomRotation(30),
    "rotation_bilinear_expand": lambda T: T.RandomRotation(
        (10, 50), interpolation=T.InterpolationMode.BILINEAR, expand=True, fill=1),
    "rotation_center": lambda T: T.RandomRotation(45, center=(3, 4)),
    "affine": lambda T: T.RandomAffine(20, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=(5, 10, -5, 5)),
    "affine_bilinear": lambda T: T.RandomAffine(10, shear=8, interpolation=T.InterpolationMode.BILINEAR),
    "color_jitter": lambda T: T.ColorJitter(0.4, 0.4, 0.4, 0.1),
    "color_jitter_hue": lambda T: T.ColorJitter(hue=0.5),
    "grayscale3": lambda T: T.Grayscale(3),
    "random_grayscale": lambda T: T.RandomGrayscale(0.5),
    "gaussian_blur": lambda T: T.GaussianBlur(5, (0.1, 2.0)),
    "gaussian_blur_rect": lambda T: T.GaussianBlur((3, 7), 1.5),
    "pad_constant": lambda T: T.Pad((1, 2, 3, 4), fill=7),
    "pad_reflect": lambda T: T.Pad(2, padding_mode="reflect"),
    "pad_symmetric_negative": lambda T: T.Pad((2, -1, 1, 3), padding_mode="symmetric"),
    "perspective": lambda T: T.RandomPerspective(p=1.0),
    "invert": lambda T: T.RandomInvert(1.0),
    "autocontrast": lambda T: T.RandomAutocontrast(1.0),
    "sharpness": lambda T: T.RandomAdjustSharpness(2.0, 1.0),
    "random_apply": lambda T: T.RandomApply([T.RandomHorizontalFlip(1.0), T.CenterCrop(8)], p=0.5),
    "random_choice": lambda T: T.RandomChoice([T.CenterCrop(8), T.RandomVerticalFlip(1.0)], p=[0.3, 0.7]),
    "random_order": lambda T: T.RandomOrder([T.CenterCrop(8), T.RandomHorizontalFlip(1.0), T.Pad(1)]),
    "compose": lambda T: T.Compose([T.RandomResizedCrop(10), T.RandomHorizontalFlip(),
                                    T.ColorJitter(0.2, 0.2, 0.2)]),
}
# NOTE: uint8 tensor resizes round float results; a half-ulp difference may flip one level
U8_TOL = {"resize_bicubic": 1, "resize_up": 1, "resize_short_edge": 1, "random_resized_crop": 1,
          "random_resized_crop_narrow": 1, "resize_max_size": 1, "compose": 1, "color_jitter": 1,
          "color_jitter_hue": 1}


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("name", sorted(CASES))
def test_tensor_uint8(name, seed):
    e_out, t_out = run_both(CASES[name], *both(U8), seed=seed)
    assert_image_same(e_out, t_out, atol=U8_TOL.get(name, 0))


@pytest.mark.parametrize("name", sorted(CASES))
def test_tensor_float32(name):
    e_out, t_out = run_both(CASES[name], *both(F32), seed=3)
    assert_image_same(e_out, t_out, atol=2e-6)


@pytest.mark.parametrize("name", ["resize_short_edge", "rotation", "affine", "gaussian_blur", "perspective",
                                  "random_resized_crop", "pad_symmetric_negative", "center_crop_pads"])
def test_tensor_batched_and_noncontiguous(name):
    e_out, t_out = run_both(CASES[name], *both(BATCH), seed=1)
    assert_image_same(e_out, t_out, atol=2e-6)
    e_out, t_out = run_both(CASES[name], *both(F32, layout="transposed"), seed=2)
    assert_image_same(e_out, t_out, atol=2e-6)


@pytest.mark.parametrize("name", ["resize_short_edge", "hflip", "rotation", "gaussian_blur", "center_crop",
                                  "random_crop_reflect", "affine_bilinear"])
def test_tensor_float64_single_channel(name):
    e_out, t_out = run_both(CASES[name], *both(F64), seed=4)
    assert_image_same(e_out, t_out, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_pil_rgb(name):
    e_out, t_out = run_both(CASES[name], pil_rgb(), pil_rgb(), seed=5)
    assert_image_same(e_out, t_out)


@pytest.mark.parametrize("name", ["resize_short_edge", "rotation", "random_resized_crop", "pad_reflect",
                                  "gaussian_blur", "random_crop_fill", "autocontrast", "color_jitter"])
def test_pil_gray(name):
    e_out, t_out = run_both(CASES[name], pil_gray(), pil_gray(), seed=6)
    assert_image_same(e_out, t_out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_repr(name):
    assert repr(CASES[name](ET)) == repr(CASES[name](TT))


@pytest.mark.parametrize("make", [
    lambda T: T.RandomErasing(p=1.0),
    lambda T: T.RandomErasing(p=1.0, value="random", scale=(0.1, 0.2)),
    lambda T: T.RandomErasing(p=1.0, value=(0.1, 0.2, 0.3), ratio=(0.5, 2.0)),
    lambda T: T.RandomErasing(p=1.0, scale=(0.9, 0.95)),  # nothing fits: unchanged
])
@pytest.mark.parametrize("seed", [0, 11])
def test_random_erasing(make, seed):
    e_out, t_out = run_both(make, *both(F32), seed=seed)
    assert_image_same(e_out, t_out, atol=1e-7)
    assert repr(make(ET)) == repr(make(TT))


@pytest.mark.parametrize("make", [lambda T: T.RandomEqualize(1.0), lambda T: T.RandomPosterize(3, 1.0),
                                  lambda T: T.RandomSolarize(100, 1.0)])
def test_uint8_only_ops(make):
    e_out, t_out = run_both(make, *both(U8))
    assert_image_same(e_out, t_out)
    e_out, t_out = run_both(make, pil_rgb(), pil_rgb())
    assert_image_same(e_out, t_out)
    assert repr(make(ET)) == repr(make(TT))


def test_five_ten_crop():
    for make in (lambda T: T.FiveCrop(8), lambda T: T.TenCrop((6, 9), vertical_flip=True)):
        assert_image_same(*run_both(make, *both(F32)))
        assert_image_same(*run_both(make, pil_rgb(), pil_rgb()))
        assert repr(make(ET)) == repr(make(TT))


def test_elastic_transform_seeded():
    make = lambda T: T.ElasticTransform(alpha=20.0, sigma=2.0)  # noqa: E731
    assert_image_same(*run_both(make, *both(F32)), atol=1e-5)
    assert repr(make(ET)).replace("ember.vision", "torchvision") == repr(make(TT))


def test_linear_transformation():
    m = RNG.random((12, 12), dtype=np.float32)
    v = RNG.random(12, dtype=np.float32)
    x = RNG.random((3, 2, 2), dtype=np.float32)
    e = ET.LinearTransformation(ember.from_numpy(m), ember.from_numpy(v))
    t = TT.LinearTransformation(torch.from_numpy(m), torch.from_numpy(v))
    assert_image_same(e(ember.from_numpy(x)), t(torch.from_numpy(x)), atol=1e-5)
    assert repr(e) == repr(t)


# ---------------------------------------------------------------- conversions


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "LA", "I", "F", "1", "I;16", "P"])
def test_to_tensor_and_pil_to_tensor_modes(mode):
    img = pil_rgb().convert(mode)
    assert_image_same(EF.to_tensor(img), TF.to_tensor(img))
    assert_image_same(EF.pil_to_tensor(img), TF.pil_to_tensor(img))
    assert_image_same(ET.ToTensor()(img), TT.ToTensor()(img))


@pytest.mark.parametrize("array", [U8.transpose(1, 2, 0), U8[0], F32.transpose(1, 2, 0),
                                   RNG.integers(0, 9, (4, 5, 2)).astype(np.int32)])
def test_to_tensor_ndarray(array):
    assert_image_same(EF.to_tensor(array), TF.to_tensor(array))


def test_to_tensor_default_dtype():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    assert_image_same(EF.to_tensor(pil_rgb()), TF.to_tensor(pil_rgb()))


@pytest.mark.parametrize("array,mode", [
    (U8, None), (U8[:1], None), (F32, None), (F32[:1], "F"), (U8[:2], None), (U8[:2], "LA"),
    (np.concatenate([U8, U8[:1]]), None), (np.concatenate([U8, U8[:1]]), "RGBX"), (U8, "HSV"),
    (U8, "YCbCr"), (RNG.integers(0, 99, (1, 3, 4)).astype(np.int16), None),
    (RNG.integers(0, 99, (1, 3, 4)).astype(np.int32), None),
])
def test_to_pil_image(array, mode):
    e, t = both(array)
    assert_image_same(EF.to_pil_image(e, mode), TF.to_pil_image(t, mode))
    hwc = np.ascontiguousarray(np.moveaxis(array, 0, -1))
    assert_image_same(ET.ToPILImage(mode)(hwc), TT.ToPILImage(mode)(hwc))
    assert repr(ET.ToPILImage(mode)) == repr(TT.ToPILImage(mode))


DTYPES = ["uint8", "int16", "int32", "int64", "float32", "float64"]


@pytest.mark.parametrize("src", DTYPES)
@pytest.mark.parametrize("dst", DTYPES)
def test_convert_image_dtype(src, dst):
    if src.startswith("float"):
        array = RNG.random((1, 3, 4)).astype(src)
    else:
        array = RNG.integers(0, np.iinfo(src).max, (1, 3, 4), dtype=np.int64, endpoint=True).astype(src)
    e, t = both(array)
    try:
        expected = TF.convert_image_dtype(t, getattr(torch, dst))
    except Exception as exc:
        with pytest.raises(type(exc)) as info:
            EF.convert_image_dtype(e, getattr(ember, dst))
        assert_same_exception(info.value, exc)
        return
    assert_image_same(EF.convert_image_dtype(e, getattr(ember, dst)), expected, atol=1e-6)
    assert_image_same(ET.ConvertImageDtype(getattr(ember, dst))(e), expected, atol=1e-6)


# ---------------------------------------------------------------- functional API


FUNCTIONAL = {
    "brightness": lambda F, x: F.adjust_brightness(x, 1.7),
    "contrast": lambda F, x: F.adjust_contrast(x, 0.3),
    "saturation": lambda F, x: F.adjust_saturation(x, 2.5),
    "hue": lambda F, x: F.adjust_hue(x, -0.3),
    "gamma": lambda F, x: F.adjust_gamma(x, 0.6, gain=1.2),
    "sharpness": lambda F, x: F.adjust_sharpness(x, 0.2),
    "rotate_expand": lambda F, x: F.rotate(x, 33.0, expand=True, fill=[2.0] * 3),
    "affine_shear": lambda F, x: F.affine(x, 15.0, [2, -1], 1.1, [7.0, -3.0], center=[5, 6]),
    "perspective": lambda F, x: F.perspective(x, [[0, 0], [22, 0], [22, 16], [0, 16]],
                                              [[2, 1], [20, 0], [21, 15], [1, 14]]),
    "resized_crop": lambda F, x: F.resized_crop(x, 2, 3, 10, 12, [7, 5]),
    "crop_outside": lambda F, x: F.crop(x, -3, 15, 9, 12),
    "center_crop_int": lambda F, x: F.center_crop(x, 5),
    "gray": lambda F, x: F.rgb_to_grayscale(x),
    "blur_default_sigma": lambda F, x: F.gaussian_blur(x, [5, 3]),
    "vflip": lambda F, x: F.vflip(x),
    "pad_edge": lambda F, x: F.pad(x, [3, 1], padding_mode="edge"),
    "autocontrast": lambda F, x: F.autocontrast(x),
    "invert": lambda F, x: F.invert(x),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
@pytest.mark.parametrize("kind", ["uint8", "float32", "pil"])
def test_functional(name, kind):
    if kind == "pil":
        if name == "rotate_expand":
            pytest.skip("fill as a list per channel is a tensor-only form")
        e_in, t_in = pil_rgb(), pil_rgb()
    else:
        e_in, t_in = both(U8 if kind == "uint8" else F32)
    tol = 1 if kind == "uint8" and name in ("hue", "resized_crop") else (2e-6 if kind == "float32" else 0)
    assert_image_same(FUNCTIONAL[name](EF, e_in), FUNCTIONAL[name](TF, t_in), atol=tol)


def test_functional_metadata_and_erase():
    e, t = both(F32)
    assert EF.get_dimensions(e) == TF.get_dimensions(t) == EF.get_dimensions(pil_rgb())
    assert EF.get_image_size(e) == TF.get_image_size(t) == EF.get_image_size(pil_rgb())
    assert EF.get_image_num_channels(e) == TF.get_image_num_channels(t)
    assert_image_same(EF.erase(e, 1, 2, 3, 4, ember.tensor(0.5)), TF.erase(t, 1, 2, 3, 4, torch.tensor(0.5)))
    assert_image_same(EF.to_grayscale(pil_rgb(), 3), TF.to_grayscale(pil_rgb(), 3))
    disp = RNG.random((1, 17, 23, 2), dtype=np.float32) * 0.1
    assert_image_same(EF.elastic_transform(e, ember.from_numpy(disp)),
                      TF.elastic_transform(t, torch.from_numpy(disp)), atol=1e-5)
    assert EF._get_perspective_coeffs([[0, 0], [9, 0], [9, 9], [0, 9]], [[1, 1], [8, 0], [9, 8], [0, 9]]) == \
        TF._get_perspective_coeffs([[0, 0], [9, 0], [9, 9], [0, 9]], [[1, 1], [8, 0], [9, 8], [0, 9]])


def test_normalize():
    e, t = both(BATCH)
    out = EF.normalize(e, [0.1, 0.2, 0.3], [0.5, 0.6, 0.7])
    assert_image_same(out, TF.normalize(t, [0.1, 0.2, 0.3], [0.5, 0.6, 0.7]), atol=1e-6)
    assert_image_same(e, t)  # not in place
    EF.normalize(e, (0.5,), (2.0,), inplace=True)
    TF.normalize(t, (0.5,), (2.0,), inplace=True)
    assert_image_same(e, t, atol=1e-7)
    assert repr(ET.Normalize((0.5,), [0.2])) == repr(TT.Normalize((0.5,), [0.2]))


def test_empty_image():
    e, t = both(np.zeros((3, 0, 5), np.float32))
    assert_image_same(EF.hflip(e), TF.hflip(t))
    assert_image_same(EF.normalize(e, [0.5] * 3, [1.0] * 3), TF.normalize(t, [0.5] * 3, [1.0] * 3))


def test_random_draws_advance_the_generator_like_torchvision():
    run_both(lambda T: T.Compose([T.RandomResizedCrop(8), T.ColorJitter(0.1, 0.1, 0.1, 0.1),
                                  T.RandomRotation(10), T.RandomErasing()]), *both(F32), seed=9)
    assert ember.rand(3).tolist() == torch.rand(3).tolist()


def test_get_params_staticmethods():
    ember.manual_seed(2)
    torch.manual_seed(2)
    assert ET.RandomResizedCrop.get_params(ember.zeros(3, 40, 30), [0.08, 1.0], [0.75, 1.333]) == \
        TT.RandomResizedCrop.get_params(torch.zeros(3, 40, 30), [0.08, 1.0], [0.75, 1.333])
    assert ET.RandomAffine.get_params([-5, 5], [0.2, 0.2], [0.5, 2], [-3, 3, -2, 2], [30, 40]) == \
        TT.RandomAffine.get_params([-5, 5], [0.2, 0.2], [0.5, 2], [-3, 3, -2, 2], [30, 40])
    assert ET.RandomPerspective.get_params(30, 20, 0.4) == TT.RandomPerspective.get_params(30, 20, 0.4)
    e, t = ET.ColorJitter.get_params((0.5, 1.5), None, (0.1, 0.2), (-0.1, 0.1)), \
        TT.ColorJitter.get_params((0.5, 1.5), None, (0.1, 0.2), (-0.1, 0.1))
    assert e[0].tolist() == t[0].tolist() and e[1:] == t[1:]


# ---------------------------------------------------------------- errors


ERRORS = [
    lambda T, F, lib: F.normalize(lib.zeros(3, 2, 2, dtype=lib.uint8), [0.5], [0.5]),
    lambda T, F, lib: F.normalize(lib.zeros(2, 2), [0.5], [0.5]),
    lambda T, F, lib: F.normalize(lib.zeros(1, 2, 2), [0.5], [0.0]),
    lambda T, F, lib: F.normalize([1.0], [0.5], [0.5]),
    lambda T, F, lib: F.to_tensor([1, 2]),
    lambda T, F, lib: F.to_tensor(np.zeros((1, 2, 3, 4), np.uint8)),
    lambda T, F, lib: F.pil_to_tensor(np.zeros((2, 2), np.uint8)),
    lambda T, F, lib: F.to_pil_image(lib.zeros(5, 2, 2)),
    lambda T, F, lib: F.to_pil_image(lib.zeros(3, 2, 2, dtype=lib.uint8), mode="L"),
    lambda T, F, lib: F.to_pil_image(lib.zeros(1, 2, 2, dtype=lib.uint8), mode="RGB"),
    lambda T, F, lib: F.to_pil_image("img"),
    lambda T, F, lib: F.adjust_hue(lib.zeros(3, 2, 2), 0.7),
    lambda T, F, lib: F.adjust_brightness(lib.zeros(3, 2, 2), -1.0),
    lambda T, F, lib: F.adjust_contrast(lib.zeros(2, 2, 2), 0.5),
    lambda T, F, lib: F.gaussian_blur(lib.zeros(3, 5, 5), 4),
    lambda T, F, lib: F.gaussian_blur(lib.zeros(3, 5, 5), 3, -1.0),
    lambda T, F, lib: F.pad(lib.zeros(3, 5, 5), 1, padding_mode="wrap"),
    lambda T, F, lib: F.pad(lib.zeros(3, 5, 5), [1, 2, 3]),
    lambda T, F, lib: F.resize(lib.zeros(3, 5, 5), [1, 2, 3]),
    lambda T, F, lib: F.resize(lib.zeros(3, 5, 5), [4, 4], max_size=9),
    lambda T, F, lib: F.resize(lib.zeros(3, 5, 5), 4, max_size=3),
    lambda T, F, lib: F.resize(lib.zeros(3, 5, 5), 4, interpolation="bilinear"),
    lambda T, F, lib: F.rotate(lib.zeros(3, 5, 5), "30"),
    lambda T, F, lib: F.rotate(lib.zeros(3, 5, 5), 30.0, interpolation=T.InterpolationMode.BICUBIC),
    lambda T, F, lib: F.affine(lib.zeros(3, 5, 5), 0.0, [1], 1.0, 0.0),
    lambda T, F, lib: F.affine(lib.zeros(3, 5, 5), 0.0, [1, 1], -1.0, 0.0),
    lambda T, F, lib: F.affine(lib.zeros(3, 5, 5), 0.0, [1, 1], 1.0, 0.0, fill=[1.0, 2.0]),
    lambda T, F, lib: F.posterize(lib.zeros(3, 5, 5), 3),
    lambda T, F, lib: F.posterize(lib.zeros(3, 5, 5, dtype=lib.uint8), 9),
    lambda T, F, lib: F.solarize(lib.zeros(3, 5, 5), 2.0),
    lambda T, F, lib: F.equalize(lib.zeros(3, 5, 5)),
    lambda T, F, lib: F.invert(lib.zeros(5, 5)),
    lambda T, F, lib: F.rgb_to_grayscale(lib.zeros(3, 5, 5), 2),
    lambda T, F, lib: F.hflip(lib.zeros(5)),
    lambda T, F, lib: F.five_crop(lib.zeros(3, 5, 5), 6),
    lambda T, F, lib: F.convert_image_dtype(lib.zeros(1, 2, 2), lib.int32),
    lambda T, F, lib: T.RandomCrop(9)(lib.zeros(3, 5, 5)),
    lambda T, F, lib: T.ColorJitter(brightness=-0.5),
    lambda T, F, lib: T.ColorJitter(hue=0.7),
    lambda T, F, lib: T.ColorJitter(contrast=[1, 2, 3]),
    lambda T, F, lib: T.Resize("big"),
    lambda T, F, lib: T.Resize([1, 2, 3]),
    lambda T, F, lib: T.CenterCrop([1, 2, 3]),
    lambda T, F, lib: T.Pad(1, padding_mode="wrap"),
    lambda T, F, lib: T.Pad("1"),
    lambda T, F, lib: T.Lambda(3),
    lambda T, F, lib: T.RandomRotation(-5),
    lambda T, F, lib: T.RandomRotation([1, 2, 3]),
    lambda T, F, lib: T.RandomAffine(5, translate=(0.1, 2.0)),
    lambda T, F, lib: T.RandomAffine(5, scale=(0.0, 1.0)),
    lambda T, F, lib: T.RandomAffine(5, shear=[1, 2, 3]),
    lambda T, F, lib: T.RandomErasing(value="zero"),
    lambda T, F, lib: T.RandomErasing(scale=(0.5, 2.0)),
    lambda T, F, lib: T.RandomErasing(p=1.5),
    lambda T, F, lib: T.RandomErasing(p=1.0, value=[1, 2])(lib.zeros(3, 5, 5)),
    lambda T, F, lib: T.GaussianBlur(4),
    lambda T, F, lib: T.GaussianBlur(3, sigma=(2.0, 1.0)),
    lambda T, F, lib: T.GaussianBlur(3, sigma=[1, 2, 3]),
    lambda T, F, lib: T.RandomChoice([T.CenterCrop(2)], p=0.5),
    lambda T, F, lib: T.RandomOrder(T.CenterCrop(2)),
    lambda T, F, lib: T.ElasticTransform(alpha=1),
    lambda T, F, lib: T.LinearTransformation(lib.zeros(2, 3), lib.zeros(2)),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors(index):
    make = ERRORS[index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as t_info:
            make(TT, TF, torch)
        with pytest.raises(type(t_info.value)) as e_info:
            make(ET, EF, ember)
    assert_same_exception(e_info.value, t_info.value)


# ---------------------------------------------------------------- v2


def run_v2(make, *inputs, seed=0):
    ember.manual_seed(seed)
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e_out = make(EV2, ember)(*inputs[0])
        t_out = make(TV2, torch)(*inputs[1])
    return e_out, t_out


V2_CASES = {
    "seed_pipeline": lambda V, lib: V.Compose([V.ToDtype(lib.float32, scale=True), V.ToTensor(),
                                               V.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])]),
    "image_dtype": lambda V, lib: V.Compose([V.ToImage(), V.ToDtype(lib.float32, scale=True)]),
    "augment": lambda V, lib: V.Compose([V.ToImage(), V.RandomResizedCrop(12, antialias=True),
                                         V.RandomHorizontalFlip(), V.ToDtype(lib.float32, scale=True)]),
    "crop_flip": lambda V, lib: V.Compose([V.PILToTensor(), V.RandomCrop(10, padding=2), V.RandomVerticalFlip(0.6),
                                           V.CenterCrop(8)]),
    "rotate_affine": lambda V, lib: V.Compose([V.ToImage(), V.RandomRotation(20), V.RandomAffine(10, translate=(0.1, 0.1))]),
    "jitter_gray": lambda V, lib: V.Compose([V.ColorJitter(0.3, 0.3, 0.3), V.RandomGrayscale(0.5), V.PILToTensor()]),
    "resize_blur": lambda V, lib: V.Compose([V.PILToTensor(), V.ToDtype(lib.float32, scale=True), V.Resize(9),
                                            V.GaussianBlur(3), V.Pad(1)]),
    "erasing": lambda V, lib: V.Compose([V.ToImage(), V.ToDtype(lib.float32, scale=True), V.RandomErasing(p=1.0)]),
    "containers": lambda V, lib: V.Compose([V.PILToTensor(), V.RandomApply([V.RandomHorizontalFlip(1.0)], p=0.5),
                                            V.RandomChoice([V.CenterCrop(8), V.Pad(2)]),
                                            V.RandomOrder([V.RandomVerticalFlip(1.0), V.CenterCrop(6)])]),
}


@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("name", sorted(V2_CASES))
def test_v2_pipelines_with_labels(name, seed):
    e_out, t_out = run_v2(V2_CASES[name], (pil_rgb(), 3), (pil_rgb(), 3), seed=seed)
    assert e_out[1] == t_out[1] == 3
    # NOTE: v2 resizes uint8 tensors in fixed point; a rounding may differ by one level (1/255)
    assert_image_same(e_out[0], t_out[0], atol=1e-6 if name != "augment" else 1 / 255 + 1e-6)
    assert ember.rand(2).tolist() == torch.rand(2).tolist()


@pytest.mark.parametrize("src", ["uint8", "int16", "float32"])
@pytest.mark.parametrize("dst", ["uint8", "int32", "float64", "int64"])
@pytest.mark.parametrize("scale", [False, True])
def test_v2_to_dtype(src, dst, scale):
    array = RNG.random((1, 2, 3)).astype(src) if src.startswith("float") else \
        RNG.integers(0, 100, (1, 2, 3)).astype(src)
    e, t = both(array)
    try:
        expected = TV2.ToDtype(getattr(torch, dst), scale=scale)(t)
    except Exception as exc:
        with pytest.raises(type(exc)) as info:
            EV2.ToDtype(getattr(ember, dst), scale=scale)(e)
        assert_same_exception(info.value, exc)
        return
    assert_image_same(EV2.ToDtype(getattr(ember, dst), scale=scale)(e), expected, atol=1e-12)


def test_v2_reprs_and_tensor_heuristics():
    for make in (lambda V, lib: V.Normalize([0.5], [0.2]), lambda V, lib: V.RandomHorizontalFlip(0.3),
                 lambda V, lib: V.Resize(8), lambda V, lib: V.ToDtype(lib.float32, scale=True),
                 lambda V, lib: V.RandomResizedCrop(8), lambda V, lib: V.Grayscale(3),
                 lambda V, lib: V.Compose([V.CenterCrop(2), V.ToImage()])):
        assert repr(make(EV2, ember)).replace("ember.", "torch.") == repr(make(TV2, torch))
    # a pure tensor is the image only when it is the first one and no PIL image is present
    e_img, t_img = both(F32)
    e_out = EV2.RandomHorizontalFlip(1.0)(e_img, ember.ones(2, 2) * 0, {"label": 1})
    t_out = TV2.RandomHorizontalFlip(1.0)(t_img, torch.zeros(2, 2), {"label": 1})
    assert_image_same(e_out[0], t_out[0])
    assert_image_same(e_out[1], t_out[1])
    assert e_out[2] == t_out[2]
    with pytest.raises(TypeError, match="does not support PIL images"):
        EV2.Normalize([0.5], [0.5])(pil_rgb())
