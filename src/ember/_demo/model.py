"""The demo's network: a small CNN for 8x8 digit images."""
from .. import nn


class DigitsCNN(nn.Module):
    """Three 3x3 convolutions with batch norm (8x8 -> 4x4 -> 2x2), then a two-layer classifier.

    The same layers built from ``torch.nn`` load this model's ``state_dict`` unchanged.

    >>> import ember
    >>> DigitsCNN()(ember.zeros(2, 1, 8, 8)).shape
    ember.Size([2, 10])
    """

    def __init__(self, num_classes=10, dropout=0.25):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(64 * 2 * 2, 128), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(128, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))
