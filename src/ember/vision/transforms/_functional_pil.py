"""Image transforms on PIL images: thin wrappers over Pillow, which is what torchvision uses too,
so PIL inputs give Pillow's own pixels."""
import numbers

import numpy as np
from PIL import Image, ImageEnhance, ImageOps


def _is_pil_image(img):
    return isinstance(img, Image.Image)


def _require_pil(img):
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img):
    if _is_pil_image(img):
        width, height = img.size
        return [len(img.getbands()), height, width]
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_size(img):
    if _is_pil_image(img):
        return list(img.size)
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_num_channels(img):
    if _is_pil_image(img):
        return len(img.getbands())
    raise TypeError(f"Unexpected type {type(img)}")


def hflip(img):
    _require_pil(img)
    return img.transpose(Image.FLIP_LEFT_RIGHT)


def vflip(img):
    _require_pil(img)
    return img.transpose(Image.FLIP_TOP_BOTTOM)


def _enhance(enhancer, img, factor):
    _require_pil(img)
    return enhancer(img).enhance(factor)


def adjust_brightness(img, brightness_factor):
    return _enhance(ImageEnhance.Brightness, img, brightness_factor)


def adjust_contrast(img, contrast_factor):
    return _enhance(ImageEnhance.Contrast, img, contrast_factor)


def adjust_saturation(img, saturation_factor):
    return _enhance(ImageEnhance.Color, img, saturation_factor)


def adjust_sharpness(img, sharpness_factor):
    return _enhance(ImageEnhance.Sharpness, img, sharpness_factor)


def adjust_hue(img, hue_factor):
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _require_pil(img)
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    hue = np.array(h, dtype=np.uint8)
    # uint8 addition wraps around, which is exactly a rotation of the hue circle
    hue += np.int32(hue_factor * 255).astype(np.uint8)
    return Image.merge("HSV", (image_from_array(hue, "L"), s, v)).convert(mode)


def adjust_gamma(img, gamma, gain=1.0):
    _require_pil(img)
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    mode = img.mode
    table = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
    return img.convert("RGB").point(table).convert(mode)


def _parse_fill(fill, img, name="fillcolor"):
    channels = get_image_num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and channels > 1:
        fill = tuple([fill] * channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * channels
        elif len(fill) != channels:
            raise ValueError("The number of elements in 'fill' does not match the number of channels "
                             f"of the image ({len(fill)} != {channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img, padding, fill=0, padding_mode="constant"):
    _require_pil(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if padding_mode == "constant":
        palette = img.getpalette() if img.mode == "P" else None
        out = ImageOps.expand(img, border=padding, **_parse_fill(fill, img, name="fill"))
        if palette is not None:
            out.putpalette(palette)
        return out
    if isinstance(padding, int):
        ltrb = [padding] * 4
    elif len(padding) == 2:
        ltrb = [padding[0], padding[1], padding[0], padding[1]]
    else:
        ltrb = list(padding)
    crop_by = [-min(x, 0) for x in ltrb]
    if any(crop_by):
        img = img.crop((crop_by[0], crop_by[1], img.width - crop_by[2], img.height - crop_by[3]))
    left, top, right, bottom = [max(x, 0) for x in ltrb]
    palette = img.getpalette() if img.mode == "P" else None
    arr = np.asarray(img)
    widths = ((top, bottom), (left, right)) + (((0, 0),) if arr.ndim == 3 else ())
    out = Image.fromarray(np.pad(arr, widths, mode=padding_mode))
    if palette is not None:
        out.putpalette(palette)
    return out


def crop(img, top, left, height, width):
    _require_pil(img)
    return img.crop((left, top, left + width, top + height))


def resize(img, size, interpolation=Image.BILINEAR):
    _require_pil(img)
    if not (isinstance(size, list) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize(tuple(size[::-1]), interpolation)


def affine(img, matrix, interpolation=Image.NEAREST, fill=None):
    _require_pil(img)
    return img.transform(img.size, Image.AFFINE, matrix, interpolation, **_parse_fill(fill, img))


def rotate(img, angle, interpolation=Image.NEAREST, expand=False, center=None, fill=None):
    _require_pil(img)
    return img.rotate(angle, interpolation, expand, center, **_parse_fill(fill, img))


def perspective(img, perspective_coeffs, interpolation=Image.BICUBIC, fill=None):
    _require_pil(img)
    return img.transform(img.size, Image.PERSPECTIVE, perspective_coeffs, interpolation,
                         **_parse_fill(fill, img))


def to_grayscale(img, num_output_channels):
    _require_pil(img)
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        gray = np.array(img.convert("L"), dtype=np.uint8)
        return image_from_array(np.dstack([gray, gray, gray]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")


def invert(img):
    _require_pil(img)
    return ImageOps.invert(img)


def posterize(img, bits):
    _require_pil(img)
    return ImageOps.posterize(img, bits)


def solarize(img, threshold):
    _require_pil(img)
    return ImageOps.solarize(img, threshold)


def autocontrast(img):
    _require_pil(img)
    return ImageOps.autocontrast(img)


def equalize(img):
    _require_pil(img)
    return ImageOps.equalize(img)


def image_from_array(array, mode):
    """A PIL image of ``mode`` read from the raw bytes of ``array`` (H, W[, C]).

    NOTE: ``Image.fromarray(a, mode)`` is deprecated since Pillow 11.3 and no longer reinterprets
    the data in ``mode``; reading the buffer with that raw mode keeps the old meaning.
    """
    array = np.ascontiguousarray(array)
    height, width = array.shape[:2]
    return Image.frombuffer(mode, (width, height), array.tobytes(), "raw", mode, 0, 1)
