"""Import real torchvision as the oracle for ember.vision tests.

torchvision 0.28 is published only as a CUDA build; beside CPU torch it imports once
``torch.library.register_fake`` is a no-op during the import (its C++ ops are then absent, which
the pure-Python transforms, datasets and model definitions do not need).
"""
import pytest


def import_torchvision():
    """The torchvision module, or skip the calling test module when it is not installed."""
    import torch
    original = torch.library.register_fake
    torch.library.register_fake = lambda *args, **kwargs: (lambda fn: fn)
    try:
        return pytest.importorskip("torchvision")
    finally:
        torch.library.register_fake = original
