"""Digits: the UCI 8x8 handwritten digits, shipped inside ember (see data/README.md)."""
import os

import numpy as np

import ember

from .vision import VisionDataset

_DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "digits.npz")


class Digits(VisionDataset):
    """1,797 handwritten digits as float tensors (1, 8, 8) in [0, 1] (pixel counts / 16) with int
    labels 0-9; no download needed. ``data`` is uint8 (N, 8, 8) with values 0..16, ``targets``
    int64 (N,).

    ``train`` picks a fixed split: ``True`` the first 1,437 images, ``False`` the last 360,
    ``None`` (default) all of them.

    >>> ds = Digits()
    >>> len(ds), ds[0][0].shape, ds[0][1]
    (1797, ember.Size([1, 8, 8]), 0)
    """

    classes = [str(d) for d in range(10)]
    train_size = 1437

    def __init__(self, root=None, train=None, transform=None, target_transform=None):
        super().__init__(root, transform=transform, target_transform=target_transform)
        with np.load(_DATA_FILE) as f:
            images, targets = f["images"], f["targets"].astype(np.int64)
        if train is not None:
            part = slice(None, self.train_size) if train else slice(self.train_size, None)
            images, targets = images[part], targets[part]
        self.train = train
        self.data = ember.from_numpy(np.ascontiguousarray(images))
        self.targets = ember.from_numpy(np.ascontiguousarray(targets))

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index):
        img = (self.data[index].to(ember.float32) / 16.0).unsqueeze(0)
        target = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return "Split: " + {None: "All", True: "Train", False: "Test"}[self.train]
