"""The Mesa model the page steps: an ``OpinionModel`` built from the page's settings.

It runs the chosen variant with its fitted parameters; for ``averaged`` it steps the default
variant and runs every variant once, whole, for the band the shares chart draws.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.observation import MEASURES
from ..core.opinion_model import OpinionModel
from ..core.simulate import simulate
from ..inputs import variants
from ..inputs.checks import MAX_SEED, whole_number
from ..inputs.posterior import default_posteriors_dir
from ..inputs.scenario import Scenario
from .settings import (
    CITIZEN_BOUNDS,
    DEFAULT_CITIZENS,
    DEFAULT_SETTINGS,
    ExplorerSettings,
    explorer_scenario,
    fitted_parameters,
    load_picked,
)

#: Citizens drawn in the attitude scatter: enough to see the shape, few enough to draw fast.
SCATTER_SAMPLE = 1_500


class ExplorerModel(OpinionModel):
    """``OpinionModel`` of the picked scenario with the page's lever values.

    Mesa's SolaraViz rebuilds the model on Reset by calling the class again with the keyword
    arguments it was first given. The page therefore passes ``settings`` as a function that
    returns the controls' current values, so Reset applies whatever the controls say then.

    Args:
        settings: the page's settings, or a function returning them.
        citizens: population size (small by default, so steps stay snappy), within
            ``CITIZEN_BOUNDS``.
        seed: the one seed, 0 to 2**32 - 1.

    Raises:
        InputError: for a population or seed that is not such a whole number.
    """

    def __init__(self, settings: ExplorerSettings | Callable[[], ExplorerSettings]
                 = DEFAULT_SETTINGS, citizens: int = DEFAULT_CITIZENS, seed: int = 0):
        self.settings = settings() if callable(settings) else settings
        self.picked: Scenario = load_picked(self.settings.scenario_file)
        seed = whole_number("explorer", "seed", seed, 0, MAX_SEED)
        citizens = whole_number("explorer", "citizens", citizens, *CITIZEN_BOUNDS)
        #: The picked scenario with the moved levers (what "save as scenario" writes).
        self.what_if: Scenario = explorer_scenario(self.picked, self.settings)
        fitted = fitted_parameters(self.settings.stepped_variant)
        super().__init__(self.what_if.with_default_parameters(fitted), seed=seed,
                         n_citizens=citizens, create_agents=False)
        # Citizens are drawn independently, so evenly spaced indices are a random sample;
        # no random stream is needed (and none is taken from the model's).
        n = self.world.population.size
        self.sample = np.linspace(0, n - 1, min(n, SCATTER_SAMPLE)).astype(int)

    @property
    def last_month(self) -> str:
        """The run's final month."""
        return self.months[-1]

    @functools.cached_property
    def variant_band(self) -> VariantBand | None:
        """The band across variants for ``averaged`` (None otherwise), computed on first use.

        Each variant runs once, whole, at this model's size and seed; the page steps only
        the default variant, so the band shows where the others would be.
        """
        if self.settings.variant != variants.AVERAGED:
            return None
        return VariantBand.run(self.what_if, self.seed, self.world.population.size)


@dataclass(frozen=True)
class VariantBand:
    """Every variant's run of one scenario: their survey shares and their weights.

    Attributes:
        names: the variants, in order.
        weights: their weights (stacking when committed, else equal: ``weighting`` says).
        weighting: the weighting used.
        survey: survey-measure shares, shape (variants, months, categories).
    """

    names: tuple[str, ...]
    weights: np.ndarray
    weighting: str
    survey: np.ndarray

    @classmethod
    def run(cls, scenario: Scenario, seed: int, citizens: int) -> VariantBand:
        """Run ``scenario`` once per variant with its fitted parameters."""
        names = variants.names()
        weights, used = variants.weights_or_equal(names, variants.DEFAULT_WEIGHTING,
                                                  default_posteriors_dir())
        survey = MEASURES.index("survey")
        shares = [simulate(scenario, seed, citizens, fitted_parameters(name)).array[:, survey]
                  for name in names]
        return cls(names, np.array([weights[n] for n in names]), used, np.stack(shares))

    @property
    def low(self) -> np.ndarray:
        """The lowest share over the variants, by month and category."""
        return self.survey.min(axis=0)

    @property
    def high(self) -> np.ndarray:
        """The highest share over the variants, by month and category."""
        return self.survey.max(axis=0)

    @property
    def mean(self) -> np.ndarray:
        """The weighted mean share over the variants, by month and category."""
        return np.tensordot(self.weights, self.survey, axes=1)
