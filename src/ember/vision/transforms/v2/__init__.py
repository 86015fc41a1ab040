"""torchvision.transforms.v2 on ember: the names the tutorials use.

    >>> from ember.vision.transforms import v2
    >>> v2.Compose([v2.ToDtype(ember.float32, scale=True)])(ember.full((1, 1, 1), 255, dtype=ember.uint8))
    tensor([[[1.]]])
"""
from .. import functional  # noqa: F401
from ..functional import InterpolationMode  # noqa: F401
from ._transform import Transform  # noqa: F401
from ._transforms import (  # noqa: F401
    CenterCrop, ColorJitter, Compose, ConvertImageDtype, GaussianBlur, Grayscale, Identity, Lambda,
    Normalize, Pad, PILToTensor, RandomAffine, RandomApply, RandomChoice, RandomCrop, RandomErasing,
    RandomGrayscale, RandomHorizontalFlip, RandomOrder, RandomResizedCrop, RandomRotation,
    RandomVerticalFlip, Resize, ToDtype, ToImage, ToPILImage, ToPureTensor, ToTensor,
)
