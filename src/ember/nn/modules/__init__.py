"""The nn module classes, one file per family (same file names as torch.nn.modules)."""
from .module import Module  # noqa: F401
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict  # noqa: F401
from .linear import Identity, Linear, Bilinear, LazyLinear  # noqa: F401
from .activation import (ReLU, ReLU6, LeakyReLU, ELU, CELU, SELU, GELU, SiLU, Mish,  # noqa: F401
                         Hardsigmoid, Hardswish, Sigmoid, Tanh, LogSigmoid, Softsign, Tanhshrink,
                         Hardtanh, Softplus, Threshold, Hardshrink, Softshrink, PReLU, RReLU, GLU,
                         Softmax, LogSoftmax, Softmin, Softmax2d)
from .flatten import Flatten, Unflatten  # noqa: F401
from .dropout import (Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout,  # noqa: F401
                      FeatureAlphaDropout)
from .distance import PairwiseDistance, CosineSimilarity  # noqa: F401
from .loss import (L1Loss, MSELoss, NLLLoss, NLLLoss2d, CrossEntropyLoss, PoissonNLLLoss,  # noqa: F401
                   GaussianNLLLoss, KLDivLoss, BCELoss, BCEWithLogitsLoss, HingeEmbeddingLoss,
                   MultiLabelMarginLoss, SmoothL1Loss, HuberLoss, SoftMarginLoss,
                   MultiLabelSoftMarginLoss, CosineEmbeddingLoss, MarginRankingLoss,
                   MultiMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss, CTCLoss)
