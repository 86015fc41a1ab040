"""VGG (Simonyan & Zisserman, 2014) as torchvision defines it."""
from ember import nn
import ember

from ._weights import _weights_enum, check_no_weights

__all__ = ["VGG", "vgg11", "vgg11_bn", "vgg13", "vgg16", "vgg19", "VGG11_Weights", "VGG11_BN_Weights"]

# channel counts of the 3x3 convolutions, "M" a 2x2 max pool: configurations A (11), B (13), D (16), E (19)
_CONFIGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}


def make_layers(cfg, batch_norm=False):
    """The convolutional trunk for one configuration."""
    layers, in_channels = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        conv = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
        layers += [conv, nn.BatchNorm2d(v), nn.ReLU(inplace=True)] if batch_norm else [conv, nn.ReLU(inplace=True)]
        in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """Convolutional ``features``, 7x7 adaptive pooling, three-layer classifier.

    >>> VGG(make_layers([8, "M"]), num_classes=2).classifier[-1]
    Linear(in_features=4096, out_features=2, bias=True)
    """

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = ember.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


VGG11_Weights = _weights_enum("VGG11_Weights", {"IMAGENET1K_V1": "vgg11-8a719046.pth"})
VGG11_BN_Weights = _weights_enum("VGG11_BN_Weights", {"IMAGENET1K_V1": "vgg11_bn-6002323d.pth"})


def _vgg(name, cfg, batch_norm, weights, kwargs):
    check_no_weights(name, weights, kwargs)
    return VGG(make_layers(_CONFIGS[cfg], batch_norm=batch_norm), **kwargs)


def vgg11(*, weights=None, progress=True, **kwargs):
    """VGG-11, configuration A (random init; ``weights`` other than None raise)."""
    return _vgg("vgg11", "A", False, weights, kwargs)


def vgg11_bn(*, weights=None, progress=True, **kwargs):
    """VGG-11 with batch normalization."""
    return _vgg("vgg11_bn", "A", True, weights, kwargs)


def vgg13(*, weights=None, progress=True, **kwargs):
    """VGG-13, configuration B."""
    return _vgg("vgg13", "B", False, weights, kwargs)


def vgg16(*, weights=None, progress=True, **kwargs):
    """VGG-16, configuration D."""
    return _vgg("vgg16", "D", False, weights, kwargs)


def vgg19(*, weights=None, progress=True, **kwargs):
    """VGG-19, configuration E."""
    return _vgg("vgg19", "E", False, weights, kwargs)
