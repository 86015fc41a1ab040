"""Exception classes PyTorch exposes at top level, for ``except`` clauses in user code.

>>> issubclass(ember.OutOfMemoryError, RuntimeError)
True
"""


class OutOfMemoryError(RuntimeError):
    """A device ran out of memory (PyTorch's ``torch.OutOfMemoryError``, also
    ``ember.cuda.OutOfMemoryError``)."""


class AcceleratorError(RuntimeError):
    """An accelerator runtime reported an error (PyTorch's ``torch.AcceleratorError``)."""


OutOfMemoryError.__module__ = "ember"
AcceleratorError.__module__ = "ember"
