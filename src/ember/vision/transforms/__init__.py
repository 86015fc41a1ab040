"""torchvision.transforms on ember (v1 classes, ``functional``, ``v2``).

    >>> from ember.vision import transforms
    >>> transforms.ToTensor()(np.zeros((2, 2, 3), np.uint8)).shape
    ember.Size([3, 2, 2])
"""
from .transforms import *  # noqa: F401,F403
from .transforms import __all__  # noqa: F401
from . import functional  # noqa: F401
