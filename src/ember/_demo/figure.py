"""The demo's PNG report: loss and accuracy curves above a grid of test digits labelled with the
model's predictions. Drawn with matplotlib when it is installed, else with Pillow alone.

>>> import numpy as np
>>> h = {"epoch": [1, 2], "train_loss": [1.0, 0.5], "train_acc": [0.7, 0.9], "test_acc": [0.8, 0.95],
...      "lr": [1e-3, 1e-4]}
>>> save_report("report.png", h, np.zeros((4, 8, 8)), np.arange(4), np.arange(4))  # doctest: +SKIP
'matplotlib'
"""
import importlib.util

import numpy as np

GRID_COLUMNS = 10
GRID_ROWS = 4
RIGHT = "#1a7f37"    # green: correct prediction
WRONG = "#cf222e"    # red: wrong prediction
SERIES = {"train_loss": "#0969da", "train_acc": "#0969da", "test_acc": "#bc4c00"}


def pick_digits(labels, predictions, count=GRID_COLUMNS * GRID_ROWS):
    """Indices of the digits to show: every mistake first (up to half the grid), then the test
    split from its start.

    >>> pick_digits(np.array([1, 2, 3]), np.array([1, 0, 3]), count=2).tolist()
    [1, 0]
    """
    wrong = np.flatnonzero(labels != predictions)[: count // 2]
    rest = np.setdiff1d(np.arange(len(labels)), wrong)[: count - len(wrong)]
    return np.concatenate([wrong, rest]).astype(np.int64)


def _caption(label, prediction):
    return f"{prediction}" if label == prediction else f"{prediction} (true {label})"


def save_report(path, history, images, labels, predictions, backend="auto"):
    """Write the report PNG to ``path``; ``images`` (N, 8, 8) in [0, 1], ``labels`` and
    ``predictions`` (N,). ``backend``: ``"auto"``, ``"matplotlib"`` or ``"pillow"``; returns the
    one used (None when ``"auto"`` finds neither installed, and nothing is written)."""
    if backend == "auto":
        backend = next((name for name, module in (("matplotlib", "matplotlib"), ("pillow", "PIL"))
                        if importlib.util.find_spec(module) is not None), None)
        if backend is None:    # neither installed: the training results still stand
            return None
    shown = pick_digits(np.asarray(labels), np.asarray(predictions))
    draw = {"matplotlib": _save_matplotlib, "pillow": _save_pillow}[backend]
    draw(path, history, np.asarray(images)[shown], np.asarray(labels)[shown],
         np.asarray(predictions)[shown])
    return backend


def _title(history):
    epochs = history["epoch"][-1]
    return (f"ember demo: digits CNN, {epochs} epoch{'s' if epochs != 1 else ''}, "
            f"test accuracy {history['test_acc'][-1]:.2%}")


def _save_matplotlib(path, history, images, labels, predictions):
    # Figure + the Agg canvas directly: no pyplot, so no global backend choice and no GUI.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 8), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(_title(history), fontsize=13)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.3])
    ax_loss, ax_acc = top.subplots(1, 2)
    epochs = history["epoch"]
    ax_loss.plot(epochs, history["train_loss"], "o-", color=SERIES["train_loss"], label="train")
    ax_loss.set(title="loss (cross entropy, label smoothing 0.1)", xlabel="epoch")
    ax_acc.plot(epochs, np.array(history["train_acc"]) * 100, "o-", color=SERIES["train_acc"],
                label="train (augmented, dropout)")
    ax_acc.plot(epochs, np.array(history["test_acc"]) * 100, "s-", color=SERIES["test_acc"],
                label="test")
    ax_acc.set(title="accuracy (%)", xlabel="epoch")
    ax_loss.legend(loc="upper right")
    ax_acc.legend(loc="lower right")
    from matplotlib.ticker import MaxNLocator
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.set_xlim(0.5, epochs[-1] + 0.5)
        if len(epochs) <= 15:
            ax.set_xticks(epochs)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.suptitle("test digits: prediction (true label where wrong)", fontsize=11)
    axes = bottom.subplots(GRID_ROWS, GRID_COLUMNS)
    for k, ax in enumerate(axes.flat):
        if k >= len(images):
            ax.set_axis_off()
            continue
        ax.imshow(images[k], cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        right = labels[k] == predictions[k]
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():    # a frame like the Pillow drawing's: red when wrong
            spine.set_color("#d0d7de" if right else WRONG)
        ax.set_title(_caption(labels[k], predictions[k]), fontsize=9,
                     color=RIGHT if right else WRONG)
    fig.savefig(path)


def _font(size):
    from PIL import ImageFont
    try:
        return ImageFont.load_default(size=size)    # scalable since Pillow 10.1
    except TypeError:
        return ImageFont.load_default()


def _nice_ticks(low, high, count=5):
    """Round tick values from at or below ``low`` to at or above ``high``.

    >>> [float(t) for t in _nice_ticks(23.0, 100.0)]
    [20.0, 40.0, 60.0, 80.0, 100.0]
    """
    if high - low < 1e-9:    # one point (a one-epoch run): give it room above and below
        pad = max(abs(high) * 0.1, 1e-3)
        low, high = low - pad, high + pad
    raw = (high - low) / count
    magnitude = 10 ** np.floor(np.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = np.floor(low / step + 1e-9) * step
    last = int(np.ceil((high - first) / step - 1e-9))
    return [first + i * step for i in range(last + 1)]


def _chart(draw, box, title, series, y_format, fonts, legend_at="top"):
    """A line chart in ``box`` (left, top, right, bottom): ``series`` is [(label, xs, ys, color)];
    the legend sits in the plot's top or bottom right corner, away from the curves."""
    left, top, right, bottom = box
    small, normal = fonts
    draw.text(((left + right) / 2, top), title, fill="black", font=normal, anchor="mt")
    plot = (left + 52, top + 28, right - 12, bottom - 34)
    xs_all = [x for _, xs, _, _ in series for x in xs]
    ys_all = [y for _, _, ys, _ in series for y in ys]
    x_low, x_high = min(xs_all), max(xs_all)
    if x_low == x_high:
        x_low, x_high = x_low - 1, x_high + 1
    ticks = _nice_ticks(min(ys_all), max(ys_all))
    y_low, y_high = ticks[0], ticks[-1]

    def at(x, y):
        px = plot[0] + (x - x_low) / (x_high - x_low) * (plot[2] - plot[0])
        py = plot[3] - (y - y_low) / (y_high - y_low) * (plot[3] - plot[1])
        return px, py

    for t in ticks:
        _, py = at(x_low, t)
        draw.line([(plot[0], py), (plot[2], py)], fill="#e5e5e5")
        draw.text((plot[0] - 6, py), y_format(t), fill="#333333", font=small, anchor="rm")
    x_step = max(1, int(np.ceil((x_high - x_low) / 10)))
    for x in range(int(np.ceil(x_low)), int(x_high) + 1, x_step):
        px, _ = at(x, y_low)
        draw.line([(px, plot[3]), (px, plot[3] + 4)], fill="black")
        draw.text((px, plot[3] + 6), str(x), fill="#333333", font=small, anchor="mt")
    draw.text(((plot[0] + plot[2]) / 2, bottom), "epoch", fill="#333333", font=small, anchor="mb")
    draw.rectangle(plot, outline="black")
    legend_y = plot[1] + 12 if legend_at == "top" else plot[3] - 12 - 18 * (len(series) - 1)
    for label, xs, ys, color in series:
        points = [at(x, y) for x, y in zip(xs, ys)]
        if len(points) > 1:
            draw.line(points, fill=color, width=2, joint="curve")
        for px, py in points:
            draw.ellipse((px - 3, py - 3, px + 3, py + 3), fill=color)
        draw.line([(plot[2] - 150, legend_y), (plot[2] - 128, legend_y)], fill=color, width=2)
        draw.text((plot[2] - 122, legend_y), label, fill="black", font=small, anchor="lm")
        legend_y += 18


def _save_pillow(path, history, images, labels, predictions):
    from PIL import Image, ImageDraw

    width, height = 1000, 800
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    small, normal, large = _font(12), _font(15), _font(18)
    draw.text((width / 2, 12), _title(history), fill="black", font=large, anchor="mt")
    epochs = history["epoch"]
    _chart(draw, (20, 50, 490, 340), "loss (cross entropy, label smoothing 0.1)",
           [("train", epochs, history["train_loss"], SERIES["train_loss"])],
           lambda v: f"{v:.2f}", (small, normal))
    _chart(draw, (510, 50, 980, 340), "accuracy (%)",
           [("train", epochs, [a * 100 for a in history["train_acc"]], SERIES["train_acc"]),
            ("test", epochs, [a * 100 for a in history["test_acc"]], SERIES["test_acc"])],
           lambda v: f"{v:g}", (small, normal), legend_at="bottom")
    draw.text((width / 2, 362), "test digits: prediction (true label where wrong)", fill="black",
              font=normal, anchor="mt")
    cell_w, cell_h, side = 96, 104, 72
    grid_left = (width - GRID_COLUMNS * cell_w) // 2
    for k in range(min(len(images), GRID_ROWS * GRID_COLUMNS)):
        row, col = divmod(k, GRID_COLUMNS)
        x = grid_left + col * cell_w + (cell_w - side) // 2
        y = 388 + row * cell_h
        # ink dark on white, as the digits were written; NEAREST keeps the 8x8 pixels square
        pixels = (255 - np.clip(images[k], 0, 1) * 255).astype(np.uint8)
        canvas.paste(Image.fromarray(pixels, "L").resize((side, side), Image.NEAREST), (x, y))
        right = labels[k] == predictions[k]
        draw.rectangle((x - 1, y - 1, x + side, y + side), outline="#d0d7de" if right else WRONG)
        draw.text((x + side / 2, y + side + 4), _caption(labels[k], predictions[k]),
                  fill=RIGHT if right else WRONG, font=small, anchor="mt")
    canvas.save(path, format="PNG")
