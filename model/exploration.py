"""Public alias of ``model.analysis.exploration``: ``from model.exploration import evaluate``."""

from .analysis.exploration import Counterfactual, evaluate

__all__ = ["Counterfactual", "evaluate"]
