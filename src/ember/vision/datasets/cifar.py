"""CIFAR-10 and CIFAR-100 read from the standard "python version" pickled batches."""
import os
import pickle
import tarfile

import numpy as np
from PIL import Image

from .vision import VisionDataset, offline_error


class CIFAR10(VisionDataset):
    """CIFAR-10 from root/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}.

    Items are (RGB PIL image 32x32, int label); ``data`` is uint8 (N, 32, 32, 3). If only the
    archive root/cifar-10-python.tar.gz is there it is unpacked first. ember never downloads: with
    ``download=True`` and no files, the error names what to place.

    >>> CIFAR10("data", train=False).classes[:2]  # doctest: +SKIP
    ['airplane', 'automobile']
    """

    base_folder = "cifar-10-batches-py"
    filename = "cifar-10-python.tar.gz"
    train_list = [["data_batch_1", "c99cafc152244af753f735de768cd75f"],
                  ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
                  ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
                  ["data_batch_4", "634d18415352ddfa80567beed471001a"],
                  ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"]]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        self._unpack_archive()
        if not self._check_integrity():
            if download:
                files = [name for name, _ in self.train_list + self.test_list] + [self.meta["filename"]]
                raise offline_error(self.__class__.__name__, os.path.join(self.root, self.base_folder), files)
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        chunks, self.targets = [], []
        for name, _ in self.train_list if self.train else self.test_list:
            with open(os.path.join(self.root, self.base_folder, name), "rb") as f:
                entry = pickle.load(f, encoding="latin1")
            chunks.append(entry["data"])
            self.targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        # rows are 3072 bytes: the red plane, then green, then blue, each 32x32 row-major
        self.data = np.vstack(chunks).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self._load_meta()

    def _unpack_archive(self):
        archive = os.path.join(self.root, self.filename)
        if not self._check_integrity() and os.path.isfile(archive):
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(self.root, filter="data")

    def _load_meta(self):
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not os.path.isfile(path):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        with open(path, "rb") as f:
            self.classes = pickle.load(f, encoding="latin1")[self.meta["key"]]
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index):
        img, target = Image.fromarray(self.data[index]), self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def _check_integrity(self):
        # NOTE: presence only; torchvision also checks MD5 sums of the official files
        return all(os.path.isfile(os.path.join(self.root, self.base_folder, name))
                   for name, _ in self.train_list + self.test_list)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 from root/cifar-100-python/{train, test, meta}; targets are the 100 fine labels."""

    base_folder = "cifar-100-python"
    filename = "cifar-100-python.tar.gz"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
