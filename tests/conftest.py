import os
import sys

# the tests import their helpers (oracle.py) from this folder
sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Each test starts with PyTorch's and ember's defaults and leaves them so."""
    import ember
    import torch
    yield
    ember.set_default_dtype(ember.float32)
    torch.set_default_dtype(torch.float32)
    ember.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    ember.set_grad_enabled(True)
    torch.set_grad_enabled(True)
