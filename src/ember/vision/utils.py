"""make_grid / save_image: tile a batch of images into one image, and write it as PNG (Pillow)."""
import math

from PIL import Image

import ember


def _is_tensor(x):
    return isinstance(x, ember.Tensor)


@ember.no_grad()
def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile images (B, C, H, W) (or a list of (C, H, W)) into one (C, H', W') image, ``nrow``
    per row, ``padding`` pixels of ``pad_value`` between and around them.

    >>> make_grid(ember.ones(4, 3, 2, 2), nrow=2, padding=1).shape
    ember.Size([3, 7, 7])
    """
    if not _is_tensor(tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not _is_tensor(t):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = ember.stack(tensor, dim=0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            # single-channel images are shown as gray RGB
            tensor = ember.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = ember.cat((tensor, tensor, tensor), 1)
    if normalize is True:
        tensor = tensor.clone()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")

        def rescale_(img, low, high):
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        def rescale_range_(t):
            if value_range is not None:
                rescale_(t, value_range[0], value_range[1])
            else:
                rescale_(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in tensor:
                rescale_range_(t)
        else:
            rescale_range_(tensor)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    count = tensor.size(0)
    cols = min(nrow, count)
    rows = int(math.ceil(float(count) / cols))
    cell_h, cell_w = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), cell_h * rows + padding, cell_w * cols + padding), pad_value)
    for k in range(count):
        y, x = divmod(k, cols)
        grid.narrow(1, y * cell_h + padding, cell_h - padding).narrow(
            2, x * cell_w + padding, cell_w - padding).copy_(tensor[k])
    return grid


@ember.no_grad()
def save_image(tensor, fp, format=None, **kwargs):
    """Write ``make_grid(tensor, **kwargs)`` (values in [0, 1]) to ``fp`` as an 8-bit image;
    the format follows the file name unless ``format`` is given.

    >>> save_image(ember.rand(2, 3, 4, 4), "grid.png")  # doctest: +SKIP
    """
    grid = make_grid(tensor, **kwargs)
    # NOTE: +0.5 then truncation rounds to nearest
    ndarr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", ember.uint8).numpy()
    Image.fromarray(ndarr).save(fp, format=format)
