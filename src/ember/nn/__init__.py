"""ember.nn: neural-network building blocks (modules, functional, init).

The module library is being built (see the nn issues); ``functional`` holds what exists.
"""
from . import functional  # noqa: F401
