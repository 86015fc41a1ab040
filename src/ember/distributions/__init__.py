"""``ember.distributions``: PyTorch's probability distributions (``torch.distributions``).

>>> from ember.distributions import Normal, kl_divergence
>>> p, q = Normal(0.0, 1.0), Normal(1.0, 2.0)
>>> kl_divergence(p, q)
tensor(0.4431)

Sampling draws from ember's generator exactly as PyTorch draws from its own, so after the same
``manual_seed`` the samples are the same numbers.
"""
from . import constraints, transforms  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import (AffineTransform, ComposeTransform, ExpTransform,
                         SigmoidTransform, Transform)
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Chi2", "Dirichlet", "Distribution",
           "ExponentialFamily", "Exponential", "Gamma", "Independent", "Laplace", "LogNormal",
           "MultivariateNormal", "Normal", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Poisson", "StudentT", "TransformedDistribution",
           "Uniform", "kl_divergence", "register_kl", "constraints", "transforms",
           "Transform", "ComposeTransform", "ExpTransform", "AffineTransform", "SigmoidTransform"]
