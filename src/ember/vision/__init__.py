"""ember.vision: torchvision's counterpart on ember (transforms, datasets, models, utils, io).

    >>> from ember.vision import transforms
    >>> transforms.Normalize([0.5], [0.5])(ember.ones(1, 2, 2)).sum().item()
    4.0
"""
from . import transforms, datasets, models, ops, utils, io  # noqa: F401

__version__ = "0.28.0"
