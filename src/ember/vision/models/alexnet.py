"""AlexNet (Krizhevsky et al., 2012; the single-GPU variant torchvision ships)."""
from ember import nn
import ember

from ._weights import _weights_enum, check_no_weights

__all__ = ["AlexNet", "alexnet", "AlexNet_Weights"]


class AlexNet(nn.Module):
    """Five convolutions, 6x6 adaptive pooling, three-layer classifier with dropout.

    >>> AlexNet(num_classes=5)(ember.zeros(1, 3, 63, 63)).shape
    ember.Size([1, 5])
    """

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x):
        x = ember.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


AlexNet_Weights = _weights_enum("AlexNet_Weights", {"IMAGENET1K_V1": "alexnet-owt-7be5be79.pth"})


def alexnet(*, weights=None, progress=True, **kwargs):
    """AlexNet (random init; ``weights`` other than None raise)."""
    check_no_weights("alexnet", weights, kwargs)
    return AlexNet(**kwargs)
