"""The opt-in import alias: serve ``torch`` / ``torch.X`` from ember and ``torchvision`` from
``ember.vision``, so unmodified PyTorch scripts run on ember.

    import ember.compat
    ember.compat.install()
    # from here on, an import of the name "torch" yields the ember module

Never implicit: ``import ember`` alone leaves ``import torch`` alone.
"""
import importlib
import importlib.abc
import importlib.util
import sys
import types

_ALIASES = (("torchvision", "ember.vision"), ("torch", "ember"))


def _target(fullname):
    for src, dst in _ALIASES:
        if fullname == src or fullname.startswith(src + "."):
            return dst + fullname[len(src):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target
        self._spec = None

    def create_module(self, spec):
        try:
            module = importlib.import_module(self.target)
        except ModuleNotFoundError as exc:
            parent, _, child = self.target.rpartition(".")
            module = getattr(importlib.import_module(parent), child, None) if parent and exc.name == self.target else None
            if not isinstance(module, types.ModuleType):
                raise
        self._spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module):
        if self._spec is not None:
            module.__spec__ = self._spec


class EmberAliasFinder(importlib.abc.MetaPathFinder):
    """A meta-path finder mapping torch[.x] to ember[.x] (the very same module objects)."""

    def find_spec(self, fullname, path=None, target=None):
        dst = _target(fullname)
        if dst is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(dst))


def install():
    """Make ``import torch`` (and ``torchvision``) yield ember from now on in this process."""
    if any(isinstance(f, EmberAliasFinder) for f in sys.meta_path):
        return
    for name in list(sys.modules):
        if name == "torch" or name.startswith("torch.") or name == "torchvision" or name.startswith("torchvision."):
            raise RuntimeError(f"ember.compat.install(): '{name}' is already imported; install the "
                               "alias before anything imports torch")
    sys.meta_path.insert(0, EmberAliasFinder())


def uninstall():
    """Remove the alias (modules already imported through it stay in sys.modules)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, EmberAliasFinder)]
    for name in list(sys.modules):
        if name == "torch" or name.startswith("torch.") or name == "torchvision" or name.startswith("torchvision."):
            mod = sys.modules[name]
            if getattr(mod, "__name__", "").startswith("ember"):
                del sys.modules[name]
