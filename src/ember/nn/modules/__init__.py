"""The nn module classes, one file per family (same file names as torch.nn.modules)."""
from .module import Module  # noqa: F401
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict  # noqa: F401
from .linear import Identity, Linear, Bilinear, LazyLinear, NonDynamicallyQuantizableLinear  # noqa: F401,E501
from .activation import (ReLU, ReLU6, LeakyReLU, ELU, CELU, SELU, GELU, SiLU, Mish,  # noqa: F401
                         Hardsigmoid, Hardswish, Sigmoid, Tanh, LogSigmoid, Softsign, Tanhshrink,
                         Hardtanh, Softplus, Threshold, Hardshrink, Softshrink, PReLU, RReLU, GLU,
                         Softmax, LogSoftmax, Softmin, Softmax2d, MultiheadAttention)
from .flatten import Flatten, Unflatten  # noqa: F401
from .dropout import (Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout,  # noqa: F401
                      FeatureAlphaDropout)
from .distance import PairwiseDistance, CosineSimilarity  # noqa: F401
from .loss import (L1Loss, MSELoss, NLLLoss, NLLLoss2d, CrossEntropyLoss, PoissonNLLLoss,  # noqa: F401
                   GaussianNLLLoss, KLDivLoss, BCELoss, BCEWithLogitsLoss, HingeEmbeddingLoss,
                   MultiLabelMarginLoss, SmoothL1Loss, HuberLoss, SoftMarginLoss,
                   MultiLabelSoftMarginLoss, CosineEmbeddingLoss, MarginRankingLoss,
                   MultiMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss, CTCLoss)
from .batchnorm import (BatchNorm1d, BatchNorm2d, BatchNorm3d, LazyBatchNorm1d,  # noqa: F401
                        LazyBatchNorm2d, LazyBatchNorm3d, SyncBatchNorm)
from .instancenorm import (InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,  # noqa: F401
                           LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d)
from .normalization import (LocalResponseNorm, CrossMapLRN2d, LayerNorm, GroupNorm,  # noqa: F401
                            RMSNorm)
from .channelshuffle import ChannelShuffle  # noqa: F401
from .pooling import (MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d,  # noqa: F401
                      MaxUnpool3d, AvgPool1d, AvgPool2d, AvgPool3d, AdaptiveAvgPool1d,
                      AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                      AdaptiveMaxPool3d, LPPool1d, LPPool2d, LPPool3d, FractionalMaxPool2d,
                      FractionalMaxPool3d)
from .padding import (ZeroPad1d, ZeroPad2d, ZeroPad3d, ConstantPad1d, ConstantPad2d,  # noqa: F401
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, CircularPad1d,
                      CircularPad2d, CircularPad3d)
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d  # noqa: F401
from .pixelshuffle import PixelShuffle, PixelUnshuffle  # noqa: F401
from .conv import (Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d,  # noqa: F401
                   ConvTranspose3d, LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d,
                   LazyConvTranspose2d, LazyConvTranspose3d)
from .fold import Fold, Unfold  # noqa: F401
from .sparse import Embedding, EmbeddingBag  # noqa: F401
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: F401,E402
from .transformer import (Transformer, TransformerEncoder, TransformerDecoder,  # noqa: F401,E402
                          TransformerEncoderLayer, TransformerDecoderLayer)
from .container import Container  # noqa: F401,E402
from .adaptive import AdaptiveLogSoftmaxWithLoss  # noqa: F401,E402
