"""The Mesa model the page steps: an ``OpinionModel`` built from the page's settings."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.opinion_model import OpinionModel
from ..inputs.checks import MAX_SEED, whole_number
from ..inputs.scenario import Scenario
from .settings import (
    CITIZEN_BOUNDS,
    DEFAULT_CITIZENS,
    DEFAULT_SETTINGS,
    ExplorerSettings,
    explorer_scenario,
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
        super().__init__(explorer_scenario(self.picked, self.settings), seed=seed,
                         n_citizens=citizens, create_agents=False)
        # Citizens are drawn independently, so evenly spaced indices are a random sample;
        # no random stream is needed (and none is taken from the model's).
        n = self.world.population.size
        self.sample = np.linspace(0, n - 1, min(n, SCATTER_SAMPLE)).astype(int)

    @property
    def last_month(self) -> str:
        """The run's final month."""
        return self.months[-1]
