"""torchvision.transforms.v2 classes on ember: the v1 kernels behind v2's calling convention
(any nest of inputs, one parameter draw per call) and v2's random draws."""
import warnings
from collections.abc import Sequence

import numpy as np
from PIL import Image

import ember

from .. import functional as F
from .. import transforms as _v1
from .._functional_tensor import _max_value
from .._resample import resize_uint8
from ..functional import InterpolationMode, _interpolation_modes_from_int
from ._transform import Transform, _RandomApplyTransform

_VALUE_BITS = {ember.uint8: 8, ember.int8: 7, ember.int16: 15, ember.uint16: 16, ember.int32: 31,
               ember.int64: 63}


def _resize(inpt, size, interpolation, antialias):
    """v2's resize: uint8 tensors stay uint8 through PyTorch's native fixed-point kernel."""
    native = (isinstance(inpt, ember.Tensor) and inpt.dtype == ember.uint8 and antialias
              and interpolation in (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC)
              and inpt.numel() > 0 and list(inpt.shape[-2:]) != list(size))
    if not native:
        return F.resize(inpt, size, interpolation, antialias=antialias)
    out = resize_uint8(inpt.numpy(), size[0], size[1], interpolation.value)
    return ember.from_numpy(out)


def _interp(interpolation):
    return _interpolation_modes_from_int(interpolation) if isinstance(interpolation, int) else interpolation


def to_dtype(inpt, dtype=ember.float32, scale=False):
    """Cast a tensor image; with ``scale`` map value ranges (ints by bit shifts, as v2 does).

    >>> to_dtype(ember.tensor([255], dtype=ember.uint8), ember.float32, scale=True)
    tensor([1.])
    """
    if inpt.dtype == dtype:
        return inpt
    if not scale:
        return inpt.to(dtype)
    if inpt.is_floating_point():
        if dtype.is_floating_point:
            return inpt.to(dtype)
        if (inpt.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or (
                inpt.dtype == ember.float64 and dtype == ember.int64):
            raise RuntimeError(f"The conversion from {inpt.dtype} to {dtype} cannot be performed safely.")
        return inpt.mul(float(_max_value(dtype)) + 1.0 - 1e-3).to(dtype)
    if dtype.is_floating_point:
        return inpt.to(dtype).mul_(1.0 / _max_value(inpt.dtype))
    bits_in, bits_out = _VALUE_BITS[inpt.dtype], _VALUE_BITS[dtype]
    if bits_in > bits_out:
        return inpt.bitwise_right_shift(bits_in - bits_out).to(dtype)
    return inpt.to(dtype).bitwise_left_shift_(bits_out - bits_in)


class Compose(Transform):
    """Apply transforms in sequence; several inputs stay several (a tuple)."""

    def __init__(self, transforms):
        super().__init__()
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        if not transforms:
            raise ValueError("Pass at least one transform")
        self.transforms = transforms

    def forward(self, *inputs):
        unpack = len(inputs) > 1
        for t in self.transforms:
            outputs = t(*inputs)
            inputs = outputs if unpack else (outputs,)
        return outputs

    def __repr__(self):
        # NOTE: torchvision's v2 Compose indents its items by six spaces
        return f"{self.__class__.__name__}(" + "".join(f"\n      {t}" for t in self.transforms) + "\n)"


class RandomApply(Transform):
    """Apply all transforms with probability p."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        if not isinstance(transforms, (Sequence, ember.nn.ModuleList)):
            raise TypeError("Argument transforms should be a sequence of callables or a `nn.ModuleList`")
        self.transforms = transforms
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        self.p = p

    def forward(self, *inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        if ember.rand(1) >= self.p:
            return sample
        for t in self.transforms:
            sample = t(sample)
        return sample


class RandomChoice(Transform):
    """Apply one transform picked with probabilities p (``torch.multinomial``)."""

    def __init__(self, transforms, p=None):
        super().__init__()
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        if p is None:
            p = [1] * len(transforms)
        elif len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        self.transforms = transforms
        total = sum(p)
        self.p = [prob / total for prob in p]

    def forward(self, *inputs):
        idx = int(ember.multinomial(ember.tensor(self.p), 1))
        return self.transforms[idx](*inputs)


class RandomOrder(Transform):
    """Apply the transforms in an order drawn by ``torch.randperm``."""

    def __init__(self, transforms):
        super().__init__()
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        self.transforms = transforms

    def forward(self, *inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        unpack = len(inputs) > 1
        for idx in ember.randperm(len(self.transforms)).tolist():
            out = self.transforms[idx](*sample) if unpack else self.transforms[idx](sample)
            sample = out
        return sample


class Identity(Transform):
    """Return the input unchanged."""

    def transform(self, inpt, params):
        return inpt


class Lambda(Transform):
    """Apply ``lambd`` to inputs of the given types (all by default)."""

    _transformed_types = (object,)

    def __init__(self, lambd, *types):
        super().__init__()
        self.lambd = lambd
        self.types = types or self._transformed_types

    def transform(self, inpt, params):
        return self.lambd(inpt) if isinstance(inpt, self.types) else inpt

    def extra_repr(self):
        name = getattr(self.lambd, "__name__", None)
        extras = [name] if name else []
        extras.append(f"types={[t.__name__ for t in self.types]}")
        return ", ".join(extras)


class ToImage(Transform):
    """PIL image, ndarray (H, W, C) or tensor -> tensor image (C, H, W), dtype kept.

    NOTE: returns a plain ember tensor (ember has no tv_tensors.Image subclass).
    """

    _transformed_types = (ember.Tensor, Image.Image, np.ndarray)

    def transform(self, inpt, params):
        if isinstance(inpt, np.ndarray):
            return ember.from_numpy(np.atleast_3d(inpt)).permute((2, 0, 1)).contiguous()
        if isinstance(inpt, Image.Image):
            return F.pil_to_tensor(inpt)
        return inpt


class ToPureTensor(Transform):
    """Tensor subclasses -> plain tensors (already plain in ember)."""

    def transform(self, inpt, params):
        return inpt


class PILToTensor(Transform):
    """PIL image -> uint8 tensor (C, H, W)."""

    _transformed_types = (Image.Image,)

    def transform(self, inpt, params):
        return F.pil_to_tensor(inpt)


class ToPILImage(Transform):
    """Tensor or ndarray -> PIL image."""

    _transformed_types = (ember.Tensor, np.ndarray)

    def __init__(self, mode=None):
        super().__init__()
        self.mode = mode

    def transform(self, inpt, params):
        return F.to_pil_image(inpt, mode=self.mode)


class ToTensor(Transform):
    """[DEPRECATED] v1's ToTensor: PIL/ndarray -> float tensor in [0, 1]."""

    _transformed_types = (Image.Image, np.ndarray)

    def __init__(self):
        warnings.warn("The transform `ToTensor()` is deprecated and will be removed in a future release. "
                      "Instead, please use `v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])`."
                      "Output is equivalent up to float precision.")
        super().__init__()

    def transform(self, inpt, params):
        return F.to_tensor(inpt)


class ToDtype(Transform):
    """Cast tensor images to ``dtype``, with value scaling when ``scale=True``; PIL images pass."""

    _transformed_types = (ember.Tensor,)

    def __init__(self, dtype, scale=False):
        super().__init__()
        if not isinstance(dtype, (dict, ember.dtype)):
            raise ValueError(f"dtype must be a dict or a torch.dtype, got {type(dtype)} instead")
        self.dtype = dtype
        self.scale = scale

    def transform(self, inpt, params):
        dtype = self.dtype
        if isinstance(dtype, dict):
            dtype = dtype.get(ember.Tensor, dtype.get("others"))
        if dtype is None:
            return inpt
        return to_dtype(inpt, dtype=dtype, scale=self.scale)


class ConvertImageDtype(Transform):
    """[DEPRECATED] ToDtype(dtype, scale=True)."""

    _transformed_types = (ember.Tensor,)

    def __init__(self, dtype=ember.float32):
        super().__init__()
        self.dtype = dtype

    def transform(self, inpt, params):
        return to_dtype(inpt, dtype=self.dtype, scale=True)


def _tensor_only(transform, inpt):
    if isinstance(inpt, Image.Image):
        raise TypeError(f"{type(transform).__name__}() does not support PIL images.")


class Normalize(Transform):
    """Per-channel (x - mean) / std on float tensor images."""

    def __init__(self, mean, std, inplace=False):
        super().__init__()
        self.mean = list(mean)
        self.std = list(std)
        self.inplace = inplace

    def transform(self, inpt, params):
        _tensor_only(self, inpt)
        return F.normalize(inpt, mean=self.mean, std=self.std, inplace=self.inplace)


class Resize(Transform):
    """Resize (v2 also accepts ``size=None`` with ``max_size``)."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        super().__init__()
        if isinstance(size, int):
            size = [size]
        elif isinstance(size, Sequence) and len(size) in {1, 2}:
            size = list(size)
        elif size is None:
            if not isinstance(max_size, int):
                raise ValueError(f"max_size must be an integer when size is None, but got {max_size} instead.")
        else:
            raise ValueError(f"size can be an integer, a sequence of one or two integers, or None, but got {size} instead.")
        self.size = size
        self.interpolation = _interp(interpolation)
        self.max_size = max_size
        self.antialias = antialias

    def transform(self, inpt, params):
        _, h, w = F.get_dimensions(inpt)
        out_h, out_w = F._compute_resized_output_size((h, w), self.size, self.max_size, allow_size_none=True)
        return _resize(inpt, [out_h, out_w], self.interpolation, self.antialias)


class CenterCrop(Transform):
    """Crop the center."""

    def __init__(self, size):
        super().__init__()
        self.size = _v1._setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")

    def transform(self, inpt, params):
        return F.center_crop(inpt, output_size=self.size)


class Pad(Transform):
    """Pad the borders."""

    def __init__(self, padding, fill=0, padding_mode="constant"):
        super().__init__()
        _v1.Pad(padding, fill, padding_mode)  # same argument checks as v1
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def transform(self, inpt, params):
        return F.pad(inpt, padding=self.padding, fill=self.fill, padding_mode=self.padding_mode)


class RandomHorizontalFlip(_RandomApplyTransform):
    """Mirror left-right with probability p."""

    def transform(self, inpt, params):
        return F.hflip(inpt)


class RandomVerticalFlip(_RandomApplyTransform):
    """Mirror top-bottom with probability p."""

    def transform(self, inpt, params):
        return F.vflip(inpt)


class RandomResizedCrop(Transform):
    """Crop a random area and aspect ratio, then resize."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.size = _v1._setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        if not isinstance(scale, Sequence) or len(scale) != 2:
            raise TypeError("Scale should be a sequence of two floats.")
        if not isinstance(ratio, Sequence) or len(ratio) != 2:
            raise TypeError("Ratio should be a sequence of two floats.")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)")
        self.scale = scale
        self.ratio = ratio
        self.interpolation = _interp(interpolation)
        self.antialias = antialias

    def make_params(self, flat_inputs):
        return dict(zip("ijhw", _v1.RandomResizedCrop.get_params(flat_inputs[0], self.scale, self.ratio)))

    def transform(self, inpt, params):
        cropped = F.crop(inpt, params["i"], params["j"], params["h"], params["w"])
        return _resize(cropped, list(self.size), self.interpolation, self.antialias)


class RandomCrop(Transform):
    """Crop at a random location, with optional padding."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        super().__init__()
        self.size = tuple(_v1._setup_size(size, error_msg="Please provide only two dimensions (h, w) for size."))
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def transform(self, inpt, params):
        return _v1.RandomCrop.forward(self, inpt)

    get_params = staticmethod(_v1.RandomCrop.get_params)


class RandomRotation(Transform):
    """Rotate by a random angle."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        super().__init__()
        self.degrees = _v1._setup_angle(degrees, name="degrees", req_sizes=(2,))
        self.interpolation = _interp(interpolation)
        self.expand = expand
        self.fill = fill
        if center is not None:
            _v1._check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center

    def make_params(self, flat_inputs):
        return {"angle": ember.empty(1).uniform_(self.degrees[0], self.degrees[1]).item()}

    def transform(self, inpt, params):
        return F.rotate(inpt, params["angle"], self.interpolation, self.expand, self.center,
                        _v1._fill_for(inpt, self.fill))


class RandomAffine(Transform):
    """Random affine transformation."""

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation=InterpolationMode.NEAREST, fill=0, center=None):
        super().__init__()
        self._v1 = _v1.RandomAffine(degrees, translate, scale, shear, _interp(interpolation), fill, center)
        self.degrees, self.translate, self.scale = self._v1.degrees, translate, scale
        self.shear, self.interpolation, self.fill, self.center = (
            self._v1.shear, self._v1.interpolation, fill, center)

    def make_params(self, flat_inputs):
        _, h, w = F.get_dimensions(flat_inputs[0])
        angle, translate, scale, shear = _v1.RandomAffine.get_params(
            self.degrees, self.translate, self.scale, self.shear, [w, h])
        return dict(angle=angle, translate=translate, scale=scale, shear=shear)

    def transform(self, inpt, params):
        return F.affine(inpt, params["angle"], list(params["translate"]), params["scale"],
                        list(params["shear"]), interpolation=self.interpolation,
                        fill=_v1._fill_for(inpt, self.fill), center=self.center)


class ColorJitter(Transform):
    """Random brightness, contrast, saturation, hue in random order."""

    def __init__(self, brightness=None, contrast=None, saturation=None, hue=None):
        super().__init__()
        v1 = _v1.ColorJitter(brightness or 0, contrast or 0, saturation or 0, hue or 0)
        self.brightness, self.contrast, self.saturation, self.hue = (
            v1.brightness, v1.contrast, v1.saturation, v1.hue)

    def make_params(self, flat_inputs):
        order, b, c, s, h = _v1.ColorJitter.get_params(self.brightness, self.contrast, self.saturation,
                                                      self.hue)
        return dict(order=order.tolist(), b=b, c=c, s=s, h=h)

    def transform(self, inpt, params):
        for fn_id in params["order"]:
            if fn_id == 0 and params["b"] is not None:
                inpt = F.adjust_brightness(inpt, params["b"])
            elif fn_id == 1 and params["c"] is not None:
                inpt = F.adjust_contrast(inpt, params["c"])
            elif fn_id == 2 and params["s"] is not None:
                inpt = F.adjust_saturation(inpt, params["s"])
            elif fn_id == 3 and params["h"] is not None:
                inpt = F.adjust_hue(inpt, params["h"])
        return inpt


class Grayscale(Transform):
    """Grayscale with 1 or 3 channels."""

    def __init__(self, num_output_channels=1):
        super().__init__()
        self.num_output_channels = num_output_channels

    def transform(self, inpt, params):
        return F.rgb_to_grayscale(inpt, num_output_channels=self.num_output_channels)


class RandomGrayscale(_RandomApplyTransform):
    """Grayscale keeping the channel count, with probability p."""

    def __init__(self, p=0.1):
        super().__init__(p=p)

    def transform(self, inpt, params):
        return F.rgb_to_grayscale(inpt, num_output_channels=F.get_dimensions(inpt)[0])


class GaussianBlur(Transform):
    """Gaussian blur with a random sigma."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        v1 = _v1.GaussianBlur(kernel_size, sigma)
        self.kernel_size = v1.kernel_size
        self.sigma = [float(s) for s in v1.sigma]

    def make_params(self, flat_inputs):
        s = ember.empty(1).uniform_(self.sigma[0], self.sigma[1]).item()
        return {"sigma": [s, s]}

    def transform(self, inpt, params):
        return F.gaussian_blur(inpt, self.kernel_size, params["sigma"])


class RandomErasing(_RandomApplyTransform):
    """Erase a random rectangle of tensor images."""

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0, inplace=False):
        super().__init__(p=p)
        self._v1 = _v1.RandomErasing(p, scale, ratio, value, inplace)
        self.scale, self.ratio, self.value, self.inplace = scale, ratio, value, inplace

    def make_params(self, flat_inputs):
        img = flat_inputs[0]
        value = self._v1.value
        if isinstance(value, (int, float)):
            value = [float(value)]
        elif isinstance(value, str):
            value = None
        else:
            value = [float(v) for v in value]
        i, j, h, w, v = _v1.RandomErasing.get_params(img, self.scale, self.ratio, value)
        return dict(i=i, j=j, h=h, w=w, v=v)

    def transform(self, inpt, params):
        _tensor_only(self, inpt)
        if params["v"] is inpt:
            return inpt
        return F.erase(inpt, params["i"], params["j"], params["h"], params["w"], params["v"], self.inplace)

