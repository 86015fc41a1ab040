"""torchvision.models on ember: architectures with random initialisation (``weights=None``).

    >>> from ember.vision import models
    >>> models.resnet18(num_classes=10).fc
    Linear(in_features=512, out_features=10, bias=True)
"""
from .alexnet import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from ._weights import WeightsEnum  # noqa: F401
