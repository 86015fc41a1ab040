"""Image transforms on ember tensors shaped (..., C, H, W), written with ember ops so that results
(dtype, rounding, clamping) follow torchvision's tensor path."""
import warnings

import ember
from ember.nn.functional import conv2d, grid_sample, interpolate, pad as _nn_pad

from ._resample import resize_antialiased

_INT_DTYPES = (ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64)


def _assert_image_tensor(img):
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img):
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    return [channels, img.shape[-2], img.shape[-1]]


def get_image_size(img):
    _assert_image_tensor(img)
    return [img.shape[-1], img.shape[-2]]


def get_image_num_channels(img):
    _assert_image_tensor(img)
    return 1 if img.ndim == 2 else img.shape[-3]


def _max_value(dtype):
    """The value that means "full intensity" for an image of this dtype (1 for floats)."""
    limits = {ember.uint8: 255, ember.int8: 127, ember.int16: 32767, ember.uint16: 65535,
              ember.int32: 2147483647, ember.int64: 9223372036854775807}
    return limits.get(dtype, 1)


def _assert_channels(img, permitted):
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def _assert_min_3d(img):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")


def convert_image_dtype(image, dtype=ember.float32):
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or (
                image.dtype == ember.float64 and dtype == ember.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        # NOTE: scaling by max+1-eps maps 1.0 to max and spreads [0, 1) evenly over the bins
        return image.mul(float(_max_value(dtype)) + 1.0 - 0.001).to(dtype)
    input_max = float(_max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(_max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return ember.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def vflip(img):
    _assert_image_tensor(img)
    return img.flip(-2)


def hflip(img):
    _assert_image_tensor(img)
    return img.flip(-1)


def crop(img, top, left, height, width):
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        # a box reaching outside the image is zero-padded, like PIL's crop
        padding = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                   max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding, fill=0)
    return img[..., top:bottom, left:right]


def rgb_to_grayscale(img, num_output_channels=1):
    _assert_min_3d(img)
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        # ITU-R 601-2 luma, the weights PIL's convert("L") uses
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(dim=-3)
    else:
        gray = img.clone()
    return gray.expand(img.shape) if num_output_channels == 3 else gray


def _blend(img1, img2, ratio):
    ratio = float(ratio)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, _max_value(img1.dtype)).to(img1.dtype)


def adjust_brightness(img, brightness_factor):
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    return _blend(img, ember.zeros_like(img), brightness_factor)


def adjust_contrast(img, contrast_factor):
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    dtype = img.dtype if img.is_floating_point() else ember.float32
    gray = rgb_to_grayscale(img) if get_dimensions(img)[0] == 3 else img
    mean = ember.mean(gray.to(dtype), dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img, saturation_factor):
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb_to_hsv(img):
    r, g, b = img.unbind(dim=-3)
    maxc = ember.max(img, dim=-3).values
    minc = ember.min(img, dim=-3).values
    flat = maxc == minc
    chroma = maxc - minc
    ones = ember.ones_like(maxc)
    s = chroma / ember.where(flat, ones, maxc)
    chroma_safe = ember.where(flat, ones, chroma)
    rc, gc, bc = (maxc - r) / chroma_safe, (maxc - g) / chroma_safe, (maxc - b) / chroma_safe
    # the hue sector is picked by which channel holds the maximum (red wins ties, then green)
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = ember.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return ember.stack((h, s, maxc), dim=-3)


def _hsv_to_rgb(img):
    h, s, v = img.unbind(dim=-3)
    sector = ember.floor(h * 6.0)
    f = h * 6.0 - sector
    sector = sector.to(dtype=ember.int32) % 6
    p = ember.clamp(v * (1.0 - s), 0.0, 1.0)
    q = ember.clamp(v * (1.0 - s * f), 0.0, 1.0)
    t = ember.clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    pick = (sector.unsqueeze(dim=-3) == ember.arange(6).view(-1, 1, 1)).to(dtype=img.dtype)
    table = ember.stack((ember.stack((v, q, p, p, t, v), dim=-3),
                         ember.stack((t, v, v, q, p, p), dim=-3),
                         ember.stack((p, p, t, v, v, q), dim=-3)), dim=-4)
    return ember.einsum("...ijk, ...xijk -> ...xjk", pick, table)


def adjust_hue(img, hue_factor):
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, ember.Tensor):
        raise TypeError("Input img should be Tensor image")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    orig_dtype = img.dtype
    h, s, v = _rgb_to_hsv(convert_image_dtype(img, ember.float32)).unbind(dim=-3)
    rotated = ember.stack(((h + hue_factor) % 1.0, s, v), dim=-3)
    return convert_image_dtype(_hsv_to_rgb(rotated), orig_dtype)


def adjust_gamma(img, gamma, gain=1):
    if not isinstance(img, ember.Tensor):
        raise TypeError("Input img should be a Tensor.")
    _assert_channels(img, [1, 3])
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    result = img if img.is_floating_point() else convert_image_dtype(img, ember.float32)
    result = (gain * result.pow(gamma)).clamp(0, 1)
    return convert_image_dtype(result, img.dtype)


def _parse_padding(padding):
    """[left, right, top, bottom] from an int or a 1-, 2- or 4-sequence (left, top, right, bottom)."""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def _pad_symmetric(img, padding):
    left, right, top, bottom = padding
    if min(padding) < 0:
        # negative padding crops
        crop_l, crop_r, crop_t, crop_b = [-min(x, 0) for x in padding]
        img = img[..., crop_t:img.shape[-2] - crop_b, crop_l:img.shape[-1] - crop_r]
        left, right, top, bottom = [max(x, 0) for x in padding]
    # symmetric mirrors including the edge pixel: index k-1 ... 0, 0 ... n-1, n-1 ... n-k
    xs = list(range(left - 1, -1, -1)) + list(range(img.shape[-1])) + [-(i + 1) for i in range(right)]
    ys = list(range(top - 1, -1, -1)) + list(range(img.shape[-2])) + [-(i + 1) for i in range(bottom)]
    xi, yi = ember.tensor(xs), ember.tensor(ys)
    if img.ndim == 3:
        return img[:, yi[:, None], xi[None, :]]
    if img.ndim == 4:
        return img[:, :, yi[:, None], xi[None, :]]
    raise RuntimeError("Symmetric padding of N-D tensors are not supported yet")


def pad(img, padding, fill=0, padding_mode="constant"):
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = _parse_padding(list(padding) if isinstance(padding, tuple) else padding)
    if padding_mode == "symmetric":
        return _pad_symmetric(img, p)
    mode = "replicate" if padding_mode == "edge" else padding_mode
    squeeze = img.ndim < 4
    if squeeze:
        img = img.unsqueeze(dim=0)
    out_dtype = img.dtype
    # reflect/replicate kernels work on floats only
    cast = mode != "constant" and img.dtype not in (ember.float32, ember.float64)
    if cast:
        img = img.to(ember.float32)
    if mode == "constant":
        img = _nn_pad(img, p, mode=mode, value=float(fill))
    else:
        img = _nn_pad(img, p, mode=mode)
    if squeeze:
        img = img.squeeze(dim=0)
    return img.to(out_dtype) if cast else img


def _cast_squeeze_in(img, req_dtypes):
    squeeze = img.ndim < 4
    if squeeze:
        img = img.unsqueeze(dim=0)
    out_dtype = img.dtype
    cast = out_dtype not in req_dtypes
    if cast:
        img = img.to(req_dtypes[0])
    return img, cast, squeeze, out_dtype


def _cast_squeeze_out(img, cast, squeeze, out_dtype):
    if squeeze:
        img = img.squeeze(dim=0)
    if cast:
        if out_dtype in _INT_DTYPES:
            img = ember.round(img)
        img = img.to(out_dtype)
    return img


def resize(img, size, interpolation="bilinear", antialias=True):
    _assert_image_tensor(img)
    size = list(size)
    antialias = bool(antialias) and interpolation in ("bilinear", "bicubic")
    img, cast, squeeze, out_dtype = _cast_squeeze_in(img, [ember.float32, ember.float64])
    if antialias:
        # NOTE: no autograd through the antialiased kernel (ember's interpolate lacks it)
        lead = tuple(img.shape[:-2])
        out = resize_antialiased(img.detach().numpy(), size[0], size[1], interpolation)
        img = ember.from_numpy(out.reshape(lead + tuple(out.shape[-2:])))
    else:
        align = False if interpolation in ("bilinear", "bicubic") else None
        img = interpolate(img, size=size, mode=interpolation, align_corners=align)
    if interpolation == "bicubic" and out_dtype == ember.uint8:
        img = img.clamp(min=0, max=255)
    return _cast_squeeze_out(img, cast, squeeze, out_dtype)


def _assert_grid_transform_inputs(img, matrix, interpolation, fill, modes, coeffs=None):
    if not isinstance(img, ember.Tensor):
        raise TypeError("Input img should be Tensor")
    _assert_image_tensor(img)
    if matrix is not None and not isinstance(matrix, list):
        raise TypeError("Argument matrix should be a list")
    if matrix is not None and len(matrix) != 6:
        raise ValueError("Argument matrix should have 6 float values")
    if coeffs is not None and len(coeffs) != 8:
        raise ValueError("Argument coeffs should have 8 float values")
    if fill is not None and not isinstance(fill, (int, float, tuple, list)):
        warnings.warn("Argument fill should be either int, float, tuple or list")
    channels = get_dimensions(img)[0]
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != channels:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of "
                         f"channels of the image ({len(fill)} != {channels})")
    if interpolation not in modes:
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")


def _apply_grid_transform(img, grid, mode, fill):
    img, cast, squeeze, out_dtype = _cast_squeeze_in(img, [grid.dtype])
    if img.shape[0] > 1:
        grid = grid.expand(img.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
    if fill is not None:
        # an extra all-ones channel, sampled like the image, tells which pixels came from outside
        ones = ember.ones((img.shape[0], 1, img.shape[2], img.shape[3]), dtype=img.dtype)
        img = ember.cat((img, ones), dim=1)
    img = grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = img[:, -1:, :, :]
        img = img[:, :-1, :, :]
        mask = mask.expand_as(img)
        values = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = ember.tensor(values, dtype=img.dtype).view(1, len(values), 1, 1).expand_as(img)
        if mode == "nearest":
            outside = mask < 0.5
            img[outside] = fill_img[outside]
        else:
            img = img * mask + (1.0 - mask) * fill_img
    return _cast_squeeze_out(img, cast, squeeze, out_dtype)


def _affine_grid(theta, w, h, ow, oh):
    """Sampling grid for an inverse affine matrix given in pixel units about the image center."""
    base = ember.empty(1, oh, ow, 3, dtype=theta.dtype)
    base[..., 0].copy_(ember.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, steps=ow))
    base[..., 1].copy_(ember.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, steps=oh).unsqueeze(-1))
    base[..., 2].fill_(1)
    to_unit = theta.transpose(1, 2) / ember.tensor([0.5 * w, 0.5 * h], dtype=theta.dtype)
    return base.view(1, oh * ow, 3).bmm(to_unit).view(1, oh, ow, 2)


def affine(img, matrix, interpolation="nearest", fill=None):
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    dtype = img.dtype if img.is_floating_point() else ember.float32
    theta = ember.tensor(matrix, dtype=dtype).reshape(1, 2, 3)
    grid = _affine_grid(theta, w=img.shape[-1], h=img.shape[-2], ow=img.shape[-1], oh=img.shape[-2])
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def _affine_output_size(matrix, w, h):
    corners = ember.tensor([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                            [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]])
    theta = ember.tensor(matrix, dtype=ember.float32).view(2, 3)
    moved = ember.matmul(corners, theta.T)
    lo = moved.min(dim=0).values + ember.tensor((w * 0.5, h * 0.5))
    hi = moved.max(dim=0).values + ember.tensor((w * 0.5, h * 0.5))
    # truncating at 1e-4 first keeps float noise from adding a whole pixel
    tol = 1e-4
    size = ember.ceil((hi / tol).trunc_() * tol) - ember.floor((lo / tol).trunc_() * tol)
    return int(size[0]), int(size[1])


def rotate(img, matrix, interpolation="nearest", expand=False, fill=None):
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    w, h = img.shape[-1], img.shape[-2]
    ow, oh = _affine_output_size(matrix, w, h) if expand else (w, h)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    theta = ember.tensor(matrix, dtype=dtype).reshape(1, 2, 3)
    grid = _affine_grid(theta, w=w, h=h, ow=ow, oh=oh)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def _perspective_grid(coeffs, ow, oh, dtype):
    theta1 = ember.tensor([[[coeffs[0], coeffs[1], coeffs[2]], [coeffs[3], coeffs[4], coeffs[5]]]],
                          dtype=dtype)
    theta2 = ember.tensor([[[coeffs[6], coeffs[7], 1.0], [coeffs[6], coeffs[7], 1.0]]], dtype=dtype)
    base = ember.empty(1, oh, ow, 3, dtype=dtype)
    base[..., 0].copy_(ember.linspace(0.5, ow * 1.0 + 0.5 - 1.0, steps=ow))
    base[..., 1].copy_(ember.linspace(0.5, oh * 1.0 + 0.5 - 1.0, steps=oh).unsqueeze(-1))
    base[..., 2].fill_(1)
    flat = base.view(1, oh * ow, 3)
    num = flat.bmm(theta1.transpose(1, 2) / ember.tensor([0.5 * ow, 0.5 * oh], dtype=dtype))
    den = flat.bmm(theta2.transpose(1, 2))
    return (num / den - 1.0).view(1, oh, ow, 2)


def perspective(img, perspective_coeffs, interpolation="bilinear", fill=None):
    if not isinstance(img, ember.Tensor):
        raise TypeError("Input img should be Tensor.")
    _assert_image_tensor(img)
    _assert_grid_transform_inputs(img, None, interpolation, fill, ["nearest", "bilinear"],
                                  coeffs=perspective_coeffs)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    grid = _perspective_grid(perspective_coeffs, ow=img.shape[-1], oh=img.shape[-2], dtype=dtype)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def _gaussian_kernel1d(kernel_size, sigma, dtype):
    half = (kernel_size - 1) * 0.5
    x = ember.linspace(-half, half, steps=kernel_size, dtype=dtype)
    pdf = ember.exp(-0.5 * (x / sigma).pow(2))
    return pdf / pdf.sum()


def gaussian_blur(img, kernel_size, sigma):
    if not isinstance(img, ember.Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    _assert_image_tensor(img)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    kx = _gaussian_kernel1d(kernel_size[0], sigma[0], dtype)
    ky = _gaussian_kernel1d(kernel_size[1], sigma[1], dtype)
    kernel = ember.mm(ky[:, None], kx[None, :])
    kernel = kernel.expand(img.shape[-3], 1, kernel.shape[0], kernel.shape[1])
    img, cast, squeeze, out_dtype = _cast_squeeze_in(img, [kernel.dtype])
    padding = [kernel_size[0] // 2, kernel_size[0] // 2, kernel_size[1] // 2, kernel_size[1] // 2]
    img = conv2d(_nn_pad(img, padding, mode="reflect"), kernel, groups=img.shape[-3])
    return _cast_squeeze_out(img, cast, squeeze, out_dtype)


def invert(img):
    _assert_image_tensor(img)
    _assert_min_3d(img)
    _assert_channels(img, [1, 3])
    return _max_value(img.dtype) - img


def posterize(img, bits):
    _assert_image_tensor(img)
    _assert_min_3d(img)
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    return img & -int(2 ** (8 - bits))


def solarize(img, threshold):
    _assert_image_tensor(img)
    _assert_min_3d(img)
    _assert_channels(img, [1, 3])
    if threshold > _max_value(img.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return ember.where(img >= threshold, invert(img), img)


def _smoothed_interior(img):
    """PIL's SMOOTH filter (center weight 5 of 13) on the interior; the border stays as is."""
    dtype = img.dtype if img.is_floating_point() else ember.float32
    kernel = ember.ones((3, 3), dtype=dtype)
    kernel[1, 1] = 5.0
    kernel /= kernel.sum()
    kernel = kernel.expand(img.shape[-3], 1, 3, 3)
    tmp, cast, squeeze, out_dtype = _cast_squeeze_in(img, [kernel.dtype])
    tmp = _cast_squeeze_out(conv2d(tmp, kernel, groups=tmp.shape[-3]), cast, squeeze, out_dtype)
    result = img.clone()
    result[..., 1:-1, 1:-1] = tmp
    return result


def adjust_sharpness(img, sharpness_factor):
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if img.size(-1) <= 2 or img.size(-2) <= 2:
        return img
    return _blend(img, _smoothed_interior(img), sharpness_factor)


def autocontrast(img):
    _assert_image_tensor(img)
    _assert_min_3d(img)
    _assert_channels(img, [1, 3])
    bound = _max_value(img.dtype)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    lo = img.amin(dim=(-2, -1), keepdim=True).to(dtype)
    hi = img.amax(dim=(-2, -1), keepdim=True).to(dtype)
    scale = bound / (hi - lo)
    flat = ember.isfinite(scale).logical_not()
    lo[flat] = 0
    scale[flat] = 1
    return ((img - lo) * scale).clamp(0, bound).to(img.dtype)


def _equalize_channel(chan):
    hist = ember.bincount(chan.reshape(-1), minlength=256)
    nonzero = hist[hist != 0]
    step = ember.div(nonzero[:-1].sum(), 255, rounding_mode="floor")
    if step == 0:
        return chan
    lut = ember.div(ember.cumsum(hist, 0) + ember.div(step, 2, rounding_mode="floor"), step,
                    rounding_mode="floor")
    lut = _nn_pad(lut, [1, 0])[:-1].clamp(0, 255)
    return lut[chan.to(ember.int64)].to(ember.uint8)


def equalize(img):
    _assert_image_tensor(img)
    if not 3 <= img.ndim <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    if img.ndim == 3:
        return ember.stack([_equalize_channel(img[c]) for c in range(img.size(0))])
    return ember.stack([ember.stack([_equalize_channel(x[c]) for c in range(x.size(0))]) for x in img])


def normalize(tensor, mean, std, inplace=False):
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tensor.size()}")
    if not inplace:
        tensor = tensor.clone()
    dtype = tensor.dtype
    mean = ember.as_tensor(mean, dtype=dtype)
    std = ember.as_tensor(std, dtype=dtype)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def erase(img, i, j, h, w, v, inplace=False):
    _assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


def elastic_transform(img, displacement, interpolation="bilinear", fill=None):
    if not isinstance(img, ember.Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    h, w = img.shape[-2:]
    axes = [ember.linspace((-s + 1) / s, (s - 1) / s, s) for s in (h, w)]
    gy, gx = ember.meshgrid(axes, indexing="ij")
    identity = ember.stack([gx, gy], -1).unsqueeze(0)
    return _apply_grid_transform(img, identity + displacement, interpolation, fill)
