"""Ready-made parametrizations: ``weight_norm`` (magnitude and direction stored apart),
``spectral_norm`` (divide by the largest singular value, estimated by power iteration) and
``orthogonal`` (keep a matrix orthogonal/unitary), each registered through
:mod:`ember.nn.utils.parametrize`.

>>> lin = ember.nn.utils.parametrizations.weight_norm(ember.nn.Linear(3, 2))
>>> sorted(lin.state_dict())
['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
"""
from enum import Enum, auto

import numpy as np

from ..._tensor import Tensor, make_tensor
from ...autograd.grad_mode import no_grad
from ..modules.module import Module
from . import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# ---------------------------------------------------------------------------- orthogonal
def _geqrf(A):
    """LAPACK's geqrf of ``A`` (..., m, n): R above the diagonal, the Householder vectors below
    it, and their scales ``tau``. Not differentiable (used under no_grad only)."""
    h, tau = np.linalg.qr(A.detach().numpy(), mode="raw")
    # (NumPy returns the reflectors in Fortran order, i.e. transposed)
    return (make_tensor(np.ascontiguousarray(np.swapaxes(h, -1, -2)), A.dtype),
            make_tensor(np.ascontiguousarray(tau), A.dtype))


def _householder_product(A, tau):
    """The first ``k`` columns of H_1 ... H_k with H_i = I - tau_i v_i v_i^H, where v_i is
    column i of ``A`` below the diagonal with an implicit 1 on it (LAPACK's orgqr), in ember
    ops so that it is differentiable."""
    from ..._ops.creation import eye
    n, k = A.size(-2), A.size(-1)
    unit = eye(n, dtype=A.dtype)
    Q = unit.expand(*A.shape[:-2], n, n)
    for i in range(k):
        v = _reflector(A, unit, i)
        # Q <- Q (I - tau v v^H)
        Qv = (Q @ v.unsqueeze(-1))
        Q = Q - tau[..., i, None, None] * Qv @ v.conj().unsqueeze(-2)
    return Q[..., :k]


def _reflector(A, unit, i):
    """Column ``i`` of ``A`` with zeros above the diagonal and a one on it."""
    below = (A[..., :, i] * (1 - unit[:i + 1].sum(0)))
    return below + unit[i]


def _make_orthogonal(A):
    """The Q of A's QR decomposition with the signs chosen so that R's diagonal is positive."""
    X, tau = _geqrf(A)
    Q = _householder_product(X, tau)
    Q *= X.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)
    return Q


def _is_orthogonal(Q):
    from ..._ops.creation import eye
    from ..._dtype import finfo
    n, k = Q.size(-2), Q.size(-1)
    ident = eye(k, dtype=Q.dtype)
    eps = 10.0 * n * finfo(Q.dtype).eps
    return bool((Q.mH @ Q).allclose(ident, atol=eps))


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    """Maps an unconstrained matrix to an orthogonal one (matrix exponential or Cayley map of
    its skew-symmetric part, or a product of Householder reflections); with trivialization the
    result is multiplied onto a fixed orthogonal ``base``."""

    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        from ... import linalg
        from ..._ops.creation import eye
        from ..._ops.shape import cat
        n, k = X.size(-2), X.size(-1)
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                X = cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = A.matrix_exp()
            else:
                ident = eye(n, dtype=A.dtype)
                Q = linalg.solve(ident.add(A, alpha=-0.5), ident.add(A, alpha=0.5))
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            # (the diagonal's signs, as 0 or +-1 integers, choose the reflections' orientation)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        from ..._ops.creation import zeros_like
        from ..._ops.shape import cat
        from ...random import randn
        with no_grad():
            if Q.shape != self.shape:
                raise ValueError(f"Expected a matrix or batch of matrices of shape "
                                 f"{parametrize._size(self.shape)}. Got a tensor of shape "
                                 f"{parametrize._size(Q.shape)}.")
            Q_init = Q
            n, k = Q.size(-2), Q.size(-1)
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential or the Cayley "
                        "parametrizations when use_trivialization=False.")
                A, tau = _geqrf(Q)
                # the diagonal keeps only the reflections' signs, flipped where tau == 0
                diag = A.diagonal(dim1=-2, dim2=-1)
                diag.sign_()
                diag[tau == 0.0] *= -1
                return A.mT if transpose else A
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:
                # complete the n x k frame with random columns before orthogonalising
                N = randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype)
                Q = _make_orthogonal(cat([Q, N], dim=-1))
            self.base = Q
            # -I maps to I under every map, so the parametrized value starts at ``base``
            neg_id = zeros_like(Q_init)
            neg_id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_id


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Constrain ``module.<name>`` (a matrix or batch of matrices) to be orthogonal (unitary).

    >>> lin = orthogonal(ember.nn.Linear(3, 3))
    >>> bool((lin.weight @ lin.weight.T).allclose(ember.eye(3), atol=1e-5))
    True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError("Expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.size(-2) == weight.size(-1)
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


# ---------------------------------------------------------------------------- weight norm
class _WeightNorm(Module):
    """``weight = g * v / ||v||`` with the norm over every dimension but ``dim``."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        from ..._ops.weight_norm import _weight_norm
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        from ..._ops.weight_norm import norm_except_dim
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Store ``module.<name>`` as a magnitude (``original0``) and a direction (``original1``).

    >>> lin = weight_norm(ember.nn.Linear(2, 3))
    >>> lin.parametrizations.weight.original0.shape
    ember.Size([3, 1])
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def load_legacy_keys(state_dict, prefix, local_metadata, strict, missing_keys,
                         unexpected_keys, error_msgs):
        # checkpoints of the legacy nn.utils.weight_norm name the tensors <name>_g, <name>_v
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(load_legacy_keys)
    return module


# ---------------------------------------------------------------------------- spectral norm
class _SpectralNorm(Module):
    """``weight / sigma``, with ``sigma`` the largest singular value of the weight (as a
    matrix with ``dim`` first) estimated by power iteration on the buffers ``_u`` and ``_v``."""

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        from ..functional import normalize
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, "
                             f"{ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.size()
            # (u is drawn before v, as PyTorch draws them, so seeded runs agree)
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            # start from a good estimate rather than from random vectors
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations):
        from ..functional import normalize
        with no_grad():
            for _ in range(n_power_iterations):
                self._u = normalize(weight_mat.mv(self._v), dim=0, eps=self.eps, out=self._u)
                self._v = normalize(weight_mat.H.mv(self._u), dim=0, eps=self.eps, out=self._v)

    def forward(self, weight):
        from ..functional import normalize
        from ..._memory_format import contiguous_format
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        # clones: the buffers are updated in place by the next power iteration, which must not
        # invalidate this forward's graph
        u = self._u.clone(memory_format=contiguous_format)
        v = self._v.clone(memory_format=contiguous_format)
        sigma = u.vdot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its spectral norm on every access (power iteration in
    training mode).

    >>> lin = spectral_norm(ember.nn.Linear(4, 3))
    >>> sorted(lin.state_dict())[1:]
    ['parametrizations.weight.0._u', 'parametrizations.weight.0._v', \
'parametrizations.weight.original']
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


def _is_conv_transpose(module):
    """ConvTranspose weights keep their output channels in dimension 1."""
    try:
        from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
    except ImportError:  # (the conv modules are optional at import time)
        return False
    return isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d))
