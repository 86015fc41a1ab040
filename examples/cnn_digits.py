"""A small convolutional network classifies the embedded digits, upsampled to 16x16 and augmented.

    python examples/cnn_digits.py --epochs 5

Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d twice, then a Linear classifier; the images go
through a torchvision-style transform pipeline (Resize, RandomAffine, Normalize).
"""
import argparse

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader
from ember.vision import datasets, transforms

# mean and standard deviation of the training pixels after scaling to [0, 1]
MEAN, STD = 0.3, 0.4


class SmallCNN(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),                                   # 16x16 -> 8x8
            nn.Conv2d(8, 16, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),                                   # 8x8 -> 4x4
        )
        self.classifier = nn.Linear(16 * 4 * 4, classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--train-size", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    resize = transforms.Resize((16, 16), antialias=True)
    normalize = transforms.Normalize((MEAN,), (STD,))
    augment = transforms.RandomAffine(degrees=10, translate=(0.1, 0.1))
    train_tf = transforms.Compose([resize, augment, normalize])
    test_tf = transforms.Compose([resize, normalize])

    train_set = datasets.Digits(train=True, transform=train_tf)
    if args.train_size is not None:
        train_set = torch.utils.data.Subset(train_set, range(args.train_size))
    test_set = datasets.Digits(train=False, transform=test_tf)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=120)

    model = SmallCNN()
    print(model)
    print(f"parameters: {sum(p.numel() for p in model.parameters())}")
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    for epoch in range(1, args.epochs + 1):
        model.train()
        total_loss, seen = 0.0, 0
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * labels.numel()
            seen += labels.numel()
        scheduler.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for images, labels in test_loader:
                correct += (model(images).argmax(1) == labels).sum().item()
        accuracy = correct / len(test_set)
        print(f"epoch {epoch}  train loss {total_loss / seen:.4f}  test accuracy {100 * accuracy:.2f}%")

    print(f"final test accuracy: {100 * accuracy:.2f}%")


if __name__ == "__main__":
    main()
