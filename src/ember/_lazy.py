"""Lazy attributes for a package namespace (PEP 562): a plain ``import ember`` loads the tensor
core only; ``ember.nn``, ``ember.optim``, ``ember.save`` ... import their module on first use.

A package lists what it serves lazily and installs the hooks:

    from ._lazy import attach
    __getattr__, __dir__ = attach(globals(),
                                  submodules={"nn": ".nn"},            # ember.nn -> ember/nn
                                  attributes={"save": (".serialization", "save")})

``import ember.nn`` and ``from ember import nn`` keep working (the import system sets the
attribute itself). ``dir(ember)`` and ``from ember import *`` see the complete namespace: both
load every lazy entry first, so their results are the same as with eager imports.
"""
import importlib


def attach(namespace, submodules=(), attributes=()):
    """Return ``(__getattr__, __dir__)`` for the package whose globals are ``namespace``.

    ``submodules`` maps an attribute name to a module path (relative to the package, like
    ``".nn"``); ``attributes`` maps a name to ``(module path, attribute in that module)``.

        >>> import ember
        >>> ember.nn.Linear(2, 3).weight.shape
        ember.Size([3, 2])
    """
    package = namespace["__name__"]
    submodules = dict(submodules)
    attributes = dict(attributes)

    def load(name):
        if name in submodules:
            value = importlib.import_module(submodules[name], package)
        else:
            module_path, attr = attributes[name]
            value = getattr(importlib.import_module(module_path, package), attr)
        # Cache it, so the next access is an ordinary global lookup that never reaches here.
        namespace[name] = value
        return value

    def load_all():
        for name in (*submodules, *attributes):
            if name not in namespace:
                try:
                    load(name)
                except ImportError:
                    # (an optional dependency missing): dir() and `import *` must still work;
                    # the failure shows when the name itself is used
                    pass

    def __getattr__(name):
        if name in submodules or name in attributes:
            return load(name)
        if name == "__all__":
            # `from package import *` asks for __all__ first; the package defines none, so after
            # loading everything Python falls back to the (now complete) public globals.
            load_all()
        raise AttributeError(f"module '{package}' has no attribute '{name}'")

    def __dir__():
        load_all()
        return sorted({*namespace, *submodules, *attributes})

    return __getattr__, __dir__
