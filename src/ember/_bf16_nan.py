"""Which NaN bit pattern PyTorch's CPU kernels write into bfloat16 results.

PyTorch has two float -> bfloat16 converters: the scalar one (``c10::BFloat16``'s rounding)
writes the quiet NaN 0x7FC0, the vectorised one (AVX2/AVX-512 ``cvtfp32_bf16``) writes 0xFFFF.
Which runs depends on the kernel and the layout: a contiguous float32 -> bfloat16 copy is
vectorised end to end; float64 -> bfloat16 copies and elementwise bfloat16 arithmetic are
vectorised in blocks (16 and 32 elements) with a scalar tail; strided loops, float16 sources
and reductions are scalar. NumPy and ml_dtypes keep the sign of the NaN they were given
(x86's default NaN is negative: 0xFFC0), so ember rewrites NaNs to PyTorch's pattern.

>>> a = np.array([np.nan, 1.0], np.float32).astype(ml_dtypes.bfloat16)
>>> hex(set_nan_bits(a, VECTORISED).view(np.uint16)[0])
'0xffff'
"""
import ml_dtypes
import numpy as np

SCALAR = 0          # every NaN written by the scalar converter: 0x7FC0
VECTORISED = 1      # every NaN written by the vectorised converter: 0xFFFF
COPY_FROM_DOUBLE = 16   # blocks of 16 vectorised, the tail scalar
ARITHMETIC = 32         # blocks of 32 vectorised, the tail scalar

_BF16 = np.dtype(ml_dtypes.bfloat16)


def set_nan_bits(arr, block, contiguous=True, keep_head=False):
    """Rewrite the NaNs of a bfloat16 array ``arr`` (in place, returned) as PyTorch's kernel
    leaves them: ``block`` is SCALAR, VECTORISED or the vector block length; a non-contiguous
    loop is scalar throughout. ``keep_head``: the vector blocks are sign-bit operations (neg,
    abs) that leave NaN payloads as NumPy does; only the scalar tail converts."""
    if arr.dtype != _BF16 or not arr.size:
        return arr
    bits = arr.view(np.uint16) if arr.flags.c_contiguous else None
    if bits is None:
        mask = np.isnan(arr)
        if mask.any():
            arr.view(np.uint16)[mask] = 0x7FC0
        return arr
    flat = bits.reshape(-1)
    # NaN: exponent all ones and a non-zero mantissa
    mask = (flat & 0x7F80) == 0x7F80
    mask &= (flat & 0x007F) != 0
    if not mask.any():
        return arr
    if not contiguous or block == SCALAR:
        flat[mask] = 0x7FC0
    elif block == VECTORISED:
        flat[mask] = 0xFFFF
    else:
        cut = flat.size // block * block
        head, tail = flat[:cut], flat[cut:]
        if not keep_head:
            head[mask[:cut]] = 0xFFFF
        tail[mask[cut:]] = 0x7FC0
    return arr
