"""The short-time Fourier transform and its inverse (``ember.stft``, ``ember.istft`` and the
Tensor methods), composed from ember ops (padding, ``unfold``, the FFT primitives and the
overlap-add adjoint of ``unfold``), so gradients and their derivatives follow.

>>> x = ember.arange(8.)
>>> X = ember.stft(x, 4, hop_length=1, window=ember.hann_window(4), return_complex=True)
>>> X.shape
ember.Size([3, 9])
>>> ember.istft(X, 4, hop_length=1, window=ember.hann_window(4))
tensor([0.0000, 1.0000, 2.0000, 3.0000, 4.0000, 5.0000, 6.0000, 7.0000])
"""
import warnings

import numpy as np

from .._dispatch import FUNCTIONS, needs_grad, record, type_name
from .._tensor import Tensor, make_tensor
from .._tensor_type import legacy_type_name
from ..autograd.graph import OpNode
from .shape import unfold_backward
from .spectral import _fft_c2c, _fft_c2r, _fft_r2c, NORM_NONE, NORM_BY_ROOT_N, NORM_BY_N

# PyTorch warns these once per process (TORCH_WARN_ONCE)
_WARNED = set()


def _warn_once(key, message):
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


def _opt(v):
    return "None" if v is None else str(int(v))


def _type_text(t, legacy):
    """How PyTorch's messages name a tensor's type (``toString()``)."""
    if legacy and not t._dtype.is_complex:
        return legacy_type_name(t).replace("ember.", "torch.")
    return f"CPU{t._dtype.scalar_name}Type"


def _sizes(t):
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def _window_text(window):
    if window is None:
        return "None"
    return f"{_type_text(window, True)}{{{_sizes(window)}}}"


def _node(name, backward):
    # a class of its own shown as PyTorch's name (other families may use the name otherwise)
    return type(name, (OpNode,), {"__module__": "builtins", "saves_inputs": False,
                                  "backward_fn": staticmethod(backward)})


# PyTorch finishes stft with in-place view ops on its fresh FFT result (not views after them)
_TRANSPOSE_INPLACE = _node("TransposeBackward1", lambda ctx, g: g.transpose(1, 2))
_SQUEEZE_INPLACE = _node("SqueezeBackward4", lambda ctx, g: g.unsqueeze(0))


def _fresh(arr, dt, node, source):
    out = make_tensor(arr, dt)
    if needs_grad(source):
        record(node, (source,), out)
    return out


def _centered_window(window, win_length, n_fft, like):
    """The window zero-padded on both sides to ``n_fft`` points (None: rectangular)."""
    left = (n_fft - win_length) // 2
    if window is None:
        if win_length == n_fft:
            return None
        arr = np.zeros(n_fft, like._dtype.np)
        arr[left:left + win_length] = 1
        return make_tensor(arr, like._dtype)
    if win_length == n_fft:
        return window
    cat = FUNCTIONS["cat"]
    return cat((window.new_zeros(left), window, window.new_zeros(n_fft - win_length - left)))


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
         align_to_window=None):
    """The short-time Fourier transform: DFTs of ``n_fft``-point frames taken every
    ``hop_length`` samples, each multiplied by ``window``; shape ``(..., freq, frames)``.

    >>> ember.stft(ember.ones(8), 4, window=ember.ones(4), return_complex=True)[:, 0]
    tensor([4.+0.j, 0.+0.j, 0.+0.j])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"stft(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if center:
        from ..nn.functional import pad
        ndim = input.ndim
        pad_amount = int(n_fft // 2)
        extended = input.view([1] * (3 - ndim) + list(input.shape))
        if input._dtype.is_complex and pad_mode != "constant":
            # NOTE: F.pad's index modes do not record complex inputs yet; padding the real
            # and imaginary parts is the same linear map
            input = FUNCTIONS["complex"](pad(extended.real, [pad_amount, pad_amount], pad_mode),
                                         pad(extended.imag, [pad_amount, pad_amount], pad_mode))
        else:
            input = pad(extended, [pad_amount, pad_amount], pad_mode)
        input = input.view(input.shape[-ndim:])
    return _stft(input, n_fft, hop_length, win_length, window, normalized, onesided,
                 return_complex, align_to_window)


def _stft(x, n_fft, hop_opt, win_opt, window, normalized, onesided_opt, return_complex_opt,
          align_opt):
    if window is None:
        _warn_once("stft-window", (
            "A window was not provided. A rectangular window will be applied,which is known to "
            "cause spectral leakage. Other windows such as torch.hann_window or "
            "torch.hamming_window are recommended to reduce spectral leakage.To suppress this "
            "warning and use a rectangular window, explicitly set "
            "`window=torch.ones(n_fft, device=<device>)`."))
    hop = n_fft >> 2 if hop_opt is None else hop_opt
    win_length = n_fft if win_opt is None else win_opt
    return_complex = return_complex_opt
    if return_complex is None:
        return_complex = x._dtype.is_complex or (window is not None and window._dtype.is_complex)
    if not return_complex:
        if return_complex_opt is None:
            raise RuntimeError(
                "stft requires the return_complex parameter be given for real inputs, and will "
                "further require that return_complex=True in a future PyTorch release.")
        _warn_once("stft-real", (
            "stft with return_complex=False is deprecated. In a future pytorch release, stft "
            "will return complex tensors for all inputs, and return_complex=False will raise "
            "an error.\nNote: you can still call torch.view_as_real on the complex output to "
            "recover the old return format."))

    def fail(what, exc=RuntimeError):
        raise exc(
            f"stft({_type_text(x, True)}{_sizes(x)}, n_fft={n_fft}, hop_length={hop}, "
            f"win_length={win_length}, window={_window_text(window)}, "
            f"normalized={int(normalized)}, onesided={_opt(onesided_opt)}, "
            f"return_complex={_opt(return_complex_opt)}, align_to_window={_opt(align_opt)}) "
            f": {what}")

    dt = x._dtype
    if not (dt.is_floating_point or dt.is_complex):
        fail("expected a tensor of floating point or complex values")
    if x.ndim not in (1, 2):
        fail("expected a 1D or 2D tensor")
    batched = x.ndim == 2
    frames_of = x if batched else x.unsqueeze(0)
    length = frames_of.shape[1]
    if n_fft <= 0 or n_fft > length:
        fail(f"expected 0 < n_fft < {length}, but got n_fft={win_length}")
    if hop <= 0:
        fail(f"expected hop_length > 0, but got hop_length={hop}")
    if win_length <= 0 or win_length > n_fft:
        fail(f"expected 0 < win_length <= n_fft, but got win_length={win_length}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win_length):
        fail(f"expected a 1D window tensor of size equal to win_length={win_length}, but got "
             f"window with size {_sizes(window)}")
    full_window = _centered_window(window, win_length, n_fft, x)
    if not align_opt:
        frames = frames_of.unfold(1, n_fft, hop)
    else:
        # window-aligned frames: count by the window's length, then pad to n_fft points
        from ..nn.functional import pad
        side = (n_fft - win_length) // 2
        count = 1 + (length - win_length) // hop
        padded = pad(frames_of, [side, side], "constant") if side else frames_of
        frames = padded.unfold(1, n_fft, hop).narrow(1, 0, count)
    if full_window is not None:
        frames = frames * full_window
    complex_fft = frames._dtype.is_complex
    onesided = (not complex_fft) if onesided_opt is None else onesided_opt
    norm = NORM_BY_ROOT_N if normalized else NORM_NONE
    if complex_fft:
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        spec = _fft_c2c(frames, (2,), norm, True)
    else:
        spec = _fft_r2c(frames, (2,), norm, onesided)
    out = _fresh(spec._array.swapaxes(1, 2), spec._dtype, _TRANSPOSE_INPLACE, spec)
    if not batched:
        out = _fresh(out._array[0], out._dtype, _SQUEEZE_INPLACE, out)
    if return_complex:
        return out
    return FUNCTIONS["view_as_real"](out)


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
          normalized=False, onesided=None, length=None, return_complex=False):
    """The inverse of ``stft``: inverse DFTs of the frames, overlap-added and divided by the
    summed squared window.

    >>> X = ember.stft(ember.arange(6.), 4, window=ember.hann_window(4), return_complex=True)
    >>> ember.istft(X, 4, window=ember.hann_window(4), length=6)
    tensor([0.0000, 1.0000, 2.0000, 3.0000, 4.0000, 5.0000])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"istft(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    if window is None:
        _warn_once("istft-window", (
            "A window was not provided. A rectangular window will be applied.Please provide "
            "the same window used by stft to make the inversion lossless.To suppress this "
            "warning and use a rectangular window, explicitly set "
            "`window=torch.ones(n_fft, device=<device>)`."))
    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    x = input

    def fail(what):
        raise RuntimeError(
            f"istft({_type_text(x, False)}{_sizes(x)}, n_fft={n_fft}, hop_length={hop}, "
            f"win_length={win}, window={_window_text(window)}, center={int(center)}, "
            f"normalized={int(normalized)}, onesided={_opt(onesided)}, "
            f"length={'None' if length is None else length}, "
            f"return_complex={int(return_complex)}) {what}")

    if not x._dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")
    dims = x.ndim + 1           # counted as PyTorch does, on the real view
    for back, have in ((2, x.ndim >= 1), (3, x.ndim >= 2)):
        if not have:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-dims}, "
                             f"{dims - 1}], but got {-back})")
    n_frames = x.shape[-1]
    fft_size = x.shape[-2]
    expected_len = n_fft + hop * (n_frames - 1)
    if x.numel() == 0:
        fail(": input tensor cannot be empty.")
    if dims not in (3, 4):
        fail(f": expected a tensor with 3 or 4 dimensions, but got {dims}")
    one_sided = (fft_size != n_fft) if onesided is None else onesided
    if one_sided:
        if n_fft // 2 + 1 != fft_size:
            fail(": expected the frequency dimension (3rd to the last) of the input tensor to "
                 f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}")
    elif n_fft != fft_size:
        fail(": expected the frequency dimension (3rd to the last) of the input tensor to match "
             f"n_fft when onesided=False, but got {fft_size}")
    if not 0 < hop <= win:
        fail(": expected 0 < hop_length <= win_length")
    if not 0 < win <= n_fft:
        fail(": expected 0 < win_length <= n_fft")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        fail(": Invalid window shape. window has to be 1D and length of `win_length`")
    real_dt = x._dtype.to_real()
    if window is None:
        window = make_tensor(np.ones(win, real_dt.np), real_dt)
        given_window = False
    else:
        given_window = True
    full_window = _centered_window(window, win, n_fft, window)
    frames = x if x.ndim == 3 else x.unsqueeze(0)
    frames = frames.transpose(1, 2)             # (channel, n_frames, fft_size)
    norm = NORM_BY_ROOT_N if normalized else NORM_BY_N
    if return_complex:
        if one_sided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        frames = _fft_c2c(frames, (2,), norm, False)
    else:
        if given_window and window._dtype.is_complex:
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        if not one_sided:
            frames = frames.narrow(-1, 0, n_fft // 2 + 1)
        frames = _fft_c2r(frames, (2,), norm, n_fft)
    y = unfold_backward(frames * full_window.view(1, 1, n_fft),
                        (frames.shape[0], expected_len), 1, n_fft, hop)
    envelope = unfold_backward((full_window ** 2).expand(1, n_frames, n_fft),
                               (1, expected_len), 1, n_fft, hop)
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = expected_len - n_fft // 2
    else:
        end = expected_len
    stop = min(end, expected_len)
    y = y.narrow(1, start, max(stop - start, 0))
    envelope = envelope.narrow(1, start, max(stop - start, 0))
    if envelope.numel() and float(np.abs(envelope._array).min()) < 1e-11:
        fail("window overlap add min: 1\n[ CPUBoolType{} ]")
    y = y / envelope
    if x.ndim == 2:
        y = y.squeeze(0)
    if end > expected_len:
        _warn_once("istft-length", (
            "The length of signal is shorter than the length parameter. Result is being padded "
            "with zeros in the tail. Please check your center and hop_length settings."))
        from ..nn.functional import pad
        y = pad(y, [0, end - expected_len])
    return y


def _tensor_stft(self, n_fft, hop_length=None, win_length=None, window=None, center=True,
                 pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
                 align_to_window=None):
    return stft(self, n_fft, hop_length, win_length, window, center, pad_mode, normalized,
                onesided, return_complex, align_to_window)


def _tensor_istft(self, n_fft, hop_length=None, win_length=None, window=None, center=True,
                  normalized=False, onesided=None, length=None, return_complex=False):
    return istft(self, n_fft, hop_length, win_length, window, center, normalized, onesided,
                 length, return_complex)


_tensor_stft.__doc__ = stft.__doc__
_tensor_istft.__doc__ = istft.__doc__
Tensor.stft = _tensor_stft
Tensor.istft = _tensor_istft
FUNCTIONS.update(stft=stft, istft=istft)
