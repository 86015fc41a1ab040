"""MNIST and Fashion-MNIST read from the standard IDX files in root/<Name>/raw."""
import gzip
import os

import numpy as np

import ember

from ..transforms._functional_pil import image_from_array
from .vision import VisionDataset, offline_error

# IDX type codes -> big-endian NumPy dtypes
_IDX_DTYPES = {8: np.uint8, 9: np.int8, 11: ">i2", 12: ">i4", 13: ">f4", 14: ">f8"}


def read_idx(path):
    """The array stored in an IDX file (``.gz`` compressed or not): magic 0 0 type ndim, then
    ndim big-endian uint32 sizes, then the data."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES or not 1 <= data[3] <= 3:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number)")
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=_IDX_DTYPES[data[2]], offset=4 * (ndim + 1))
    return arr.astype(arr.dtype.newbyteorder("=")).reshape(shape)


def read_image_file(path):
    """uint8 images (N, H, W) of an IDX file."""
    x = ember.from_numpy(read_idx(path))
    if x.dtype != ember.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndimension() != 3:
        raise ValueError(f"x should have 3 dimension instead of {x.ndimension()}")
    return x


def read_label_file(path):
    """int64 labels (N,) of an IDX file."""
    x = ember.from_numpy(read_idx(path))
    if x.dtype != ember.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndimension() != 1:
        raise ValueError(f"x should have 1 dimension instead of {x.ndimension()}")
    return x.long()


class MNIST(VisionDataset):
    """MNIST from root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte (or their .gz).

    Items are (PIL image of mode "L", int label). ember never downloads: with ``download=True``
    and the files absent, the error names the files to place.

    >>> MNIST("data", train=False)  # doctest: +SKIP
    """

    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if not self._check_exists():
            if download:
                raise offline_error(self.__class__.__name__, self.raw_folder,
                                    [name for name, _ in self.resources])
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data()

    def _file(self, stem):
        """The raw file, or its .gz when only that is there."""
        path = os.path.join(self.raw_folder, stem)
        return path if os.path.isfile(path) else path + ".gz"

    def _load_data(self):
        split = "train" if self.train else "t10k"
        data = read_image_file(self._file(f"{split}-images-idx3-ubyte"))
        targets = read_label_file(self._file(f"{split}-labels-idx1-ubyte"))
        return data, targets

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        img = image_from_array(img.numpy(), "L")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    def _check_exists(self):
        stems = [os.path.splitext(name)[0] for name, _ in self.resources]
        return all(os.path.isfile(self._file(stem)) for stem in stems)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando), same file layout as MNIST under root/FashionMNIST/raw."""

    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
               "Bag", "Ankle boot"]
