"""torchvision.datasets on ember: folder datasets, FakeData, MNIST/FashionMNIST/CIFAR readers and
the embedded Digits set.

    >>> from ember.vision import datasets
    >>> len(datasets.Digits())
    1797
"""
from .cifar import CIFAR10, CIFAR100  # noqa: F401
from .digits import Digits  # noqa: F401
from .fakedata import FakeData  # noqa: F401
from .folder import DatasetFolder, ImageFolder  # noqa: F401
from .mnist import MNIST, FashionMNIST  # noqa: F401
from .vision import VisionDataset  # noqa: F401

__all__ = ("CIFAR10", "CIFAR100", "DatasetFolder", "Digits", "FakeData", "FashionMNIST", "ImageFolder",
           "MNIST", "VisionDataset")
