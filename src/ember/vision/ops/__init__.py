"""torchvision.ops on ember: the building blocks the model definitions share."""
from .misc import Conv2dNormActivation  # noqa: F401
