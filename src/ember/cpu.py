"""ember.cpu: the CPU counterpart of ``ember.cuda`` (what ``ember.get_device_module("cpu")``
returns): the device facts generic device code asks every backend for.

>>> ember.cpu.is_available(), ember.cpu.device_count(), ember.cpu.current_device()
(True, 1, 'cpu')
"""


def is_available():
    """Always True."""
    return True


def device_count():
    """One CPU device."""
    return 1


def current_device():
    """The name of the current CPU device: ``'cpu'``."""
    return "cpu"


def synchronize(device=None):
    """Wait for all work on the CPU: ember's CPU ops are synchronous, so nothing is pending."""
    return None
