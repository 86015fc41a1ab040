"""Image file reading and decoding to uint8 tensors (C, H, W), through Pillow."""
import io as _io
from enum import Enum

import numpy as np
from PIL import Image, ImageOps

import ember


class ImageReadMode(Enum):
    """Color conversion while decoding: keep as is, or force gray, gray+alpha, RGB, RGB+alpha."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
              ImageReadMode.RGB_ALPHA: "RGBA"}


def read_file(path):
    """The bytes of a file as a 1-d uint8 tensor.

    >>> read_file("image.png").dtype  # doctest: +SKIP
    ember.uint8
    """
    with open(str(path), "rb") as f:
        data = f.read()
    return ember.from_numpy(np.frombuffer(bytearray(data), dtype=np.uint8))


def write_file(filename, data):
    """Write a 1-d uint8 tensor to a file."""
    with open(str(filename), "wb") as f:
        f.write(data.numpy().tobytes())


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode encoded image bytes (a uint8 tensor, or a path) to a tensor (C, H, W): uint8, or
    uint16 for 16-bit PNGs.

    >>> decode_image(read_file("image.png")).shape  # doctest: +SKIP
    ember.Size([3, 32, 32])
    """
    if not isinstance(input, ember.Tensor):
        input = read_file(str(input))
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    if input.dtype != ember.uint8 or input.dim() != 1:
        raise RuntimeError("Expected a 1-dimensional uint8 tensor of encoded image bytes, got "
                           f"dtype {input.dtype} and {input.dim()} dimensions")
    img = Image.open(_io.BytesIO(input.numpy().tobytes()))
    img.load()
    if apply_exif_orientation:
        img = ImageOps.exif_transpose(img)
    if mode != ImageReadMode.UNCHANGED:
        img = img.convert(_PIL_MODES[mode])
    elif img.mode in ("P", "1", "CMYK", "YCbCr"):
        # palette and bilevel images decode to their colors, as libpng/libjpeg output them
        img = img.convert("RGBA" if img.mode == "P" and "transparency" in img.info else
                          "L" if img.mode == "1" else "RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img).astype(np.uint16)
    else:
        arr = np.asarray(img)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return ember.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def decode_png(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """decode_image for PNG bytes."""
    return decode_image(input, mode, apply_exif_orientation)


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu", apply_exif_orientation=False):
    """decode_image for JPEG bytes."""
    return decode_image(input, mode, apply_exif_orientation)


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Read and decode an image file (PNG, JPEG, and whatever else Pillow reads).

    >>> read_image("image.jpg", mode=ImageReadMode.GRAY).shape  # doctest: +SKIP
    ember.Size([1, 32, 32])
    """
    return decode_image(read_file(path), mode, apply_exif_orientation)


def encode_png(input, compression_level=6):
    """uint8 (C, H, W) -> PNG bytes as a 1-d uint8 tensor."""
    if input.dtype != ember.uint8:
        raise RuntimeError(f"Input tensor dtype should be uint8, got {input.dtype}")
    arr = input.permute(1, 2, 0).numpy()
    arr = arr[:, :, 0] if arr.shape[2] == 1 else arr
    buf = _io.BytesIO()
    Image.fromarray(np.ascontiguousarray(arr)).save(buf, format="PNG", compress_level=compression_level)
    return ember.from_numpy(np.frombuffer(bytearray(buf.getvalue()), dtype=np.uint8))


def write_png(input, filename, compression_level=6):
    """Encode a uint8 (C, H, W) tensor as PNG and write it."""
    write_file(filename, encode_png(input, compression_level))
