"""``ember.svd_lowrank`` and ``ember.pca_lowrank``: randomized truncated SVD (Halko, Martinsson
and Tropp 2009, algorithms 4.4 and 5.1): a random projection, ``niter`` rounds of subspace
iteration re-orthonormalised by QR, then an exact SVD of the small projected matrix.

Written in ember ops, so gradients follow the computation. The random matrix is drawn from the
global generator with the shape and dtype PyTorch draws, so after the same ``manual_seed`` the
results match PyTorch's.

>>> _ = ember.manual_seed(0)
>>> U, S, V = ember.svd_lowrank(ember.eye(4), q=2)
>>> S
tensor([1., 1.])
"""
from ._dispatch import FUNCTIONS
from . import _dtype as D

__all__ = ["svd_lowrank", "pca_lowrank"]

_F = FUNCTIONS


def _floating(A):
    dt = A._dtype
    return dt if dt.is_floating_point or dt.is_complex else D.float32


def _approximate_basis(A, q, niter, M):
    """An orthonormal Q (m x q) whose span approximates A's range."""
    from .linalg import qr
    from .random import randn
    R = randn(A._array.shape[-1], q, dtype=_floating(A))
    X = A @ R
    if M is not None:
        X = X - M @ R
    Q = qr(X).Q
    for _ in range(niter):
        X = A.mH @ Q
        if M is not None:
            X = X - M.mH @ Q
        Q = qr(X).Q
        X = A @ Q
        if M is not None:
            X = X - M @ Q
        Q = qr(X).Q
    return Q


def _svd_lowrank(A, q, niter, M):
    from .linalg import svd
    m, n = A._array.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    wide = m < n
    if wide:   # work with the tall matrix A^H
        A = A.mH
        if M is not None:
            M = M.mH
    Q = _approximate_basis(A, q, niter, M)
    B = Q.mH @ A
    if M is not None:
        B = B - Q.mH @ M
    U, S, Vh = svd(B, full_matrices=False)
    V = Vh.mH
    U = Q @ U
    if wide:
        U, V = V, U
    return U, S, V


def svd_lowrank(A, q=6, niter=2, M=None):
    """Approximate rank-``q`` SVD ``A ~ U diag(S) V^H`` (of ``A - M`` when M is given).

    >>> _ = ember.manual_seed(0)
    >>> ember.svd_lowrank(ember.ones(3, 3), q=1)[1]
    tensor([3.])
    """
    return _svd_lowrank(A, 6 if q is None else q, niter, M)


def pca_lowrank(A, q=None, center=True, niter=2):
    """Principal components of the rows of A: ``svd_lowrank`` of A, centred by its column
    means unless ``center=False``; ``q`` defaults to ``min(6, m, n)``."""
    m, n = A._array.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)="
                         f"{min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter, None)
    C = A.mean(dim=(-2,), keepdim=True)
    return _svd_lowrank(A - C, q, niter, None)


FUNCTIONS.update(svd_lowrank=svd_lowrank, pca_lowrank=pca_lowrank)
