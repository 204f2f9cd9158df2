# ruff: noqa: N802 -- Solara components are named like classes, as Solara and Mesa do.
"""The explorer page, served by ``solara run model.app.page:Page`` (``python run.py app``).

It is a Mesa ``SolaraViz`` page: Mesa's sidebar gives the Reset / Play / Step controls and
the population size and seed, and rebuilds the model on Reset. The scenario picker, the
lever sliders (from the registry) and the charts are this package's components.

SolaraViz is given no ``components`` on purpose: it lays components out with Solara's
``GridDraggable``, whose vue-grid-layout 2 script fails under ipyvuetify 3 (Vue 3) with
"GlobalVue.use is not a function", leaving the main area blank. The page lays out its
charts itself instead.

Where scenarios are read and saved comes from the environment the command sets:
``BELARUS_APP_LIBRARY`` (default ``scenarios``) and ``BELARUS_APP_SAVED`` (default
``scenarios/saved``); ``BELARUS_APP_OVERWRITE_LIBRARY=1`` (``--overwrite-library``) lets a
save replace a library scenario.
"""

from __future__ import annotations

import os
from pathlib import Path

import solara
from mesa.visualization import SolaraViz

from .components import (
    AttitudesChart,
    LeverControls,
    RunStatus,
    SaveAsScenario,
    ScenarioControls,
    SharesChart,
)
from .explorer_model import ExplorerModel
from .settings import (
    CITIZEN_BOUNDS,
    DEFAULT_CITIZENS,
    ExplorerSettings,
    first_loadable,
    scenario_choices,
)

LIBRARY_ENV = "BELARUS_APP_LIBRARY"
SAVED_ENV = "BELARUS_APP_SAVED"
OVERWRITE_LIBRARY_ENV = "BELARUS_APP_OVERWRITE_LIBRARY"
DEFAULT_LIBRARY = "scenarios"
DEFAULT_SAVED = "scenarios/saved"
TITLE = "Belarus opinion explorer"
#: Milliseconds between months while playing: the two charts redraw in well under this.
PLAY_INTERVAL_MS = 250


def folders() -> tuple[Path, Path]:
    """Return the scenario library and the folder saved scenarios go to."""
    return (Path(os.environ.get(LIBRARY_ENV, DEFAULT_LIBRARY)),
            Path(os.environ.get(SAVED_ENV, DEFAULT_SAVED)))


def model_params(settings: solara.Reactive[ExplorerSettings]) -> dict:
    """Return SolaraViz's model parameters.

    Mesa's own inputs set the population size and the seed; ``settings`` is a function
    that returns the controls' values when Reset calls it.
    """
    low, high = CITIZEN_BOUNDS
    return {
        "settings": lambda: settings.value,
        "citizens": {"type": "SliderInt", "value": DEFAULT_CITIZENS, "min": low, "max": high,
                     "step": 1_000, "label": "Citizens"},
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1,
                 "label": "Seed"},
    }


@solara.component
def ExplorerSidebar(settings: solara.Reactive[ExplorerSettings], choices: dict):
    """The scenario and lever cards, placed in the sidebar below Mesa's controls.

    Solara orders sidebar content by how deep in the page it is declared; declared here,
    one level deeper than SolaraViz's own, these cards come after Mesa's Reset/Play/Step.
    """
    with solara.Sidebar():
        ScenarioControls(settings, choices)
        LeverControls(settings)


@solara.component
def Page():
    """The explorer: Mesa's controls, the scenario and levers, the charts, save-as."""
    library, saved = folders()
    saves = solara.use_reactive(0)  # bumped after a save, to list the new file
    choices = scenario_choices(library, saved)
    _ = saves.value
    settings = solara.use_reactive(ExplorerSettings(first_loadable(choices)))
    first = solara.use_memo(lambda: ExplorerModel(settings.value), [])
    model = solara.use_reactive(first)

    solara.Title(TITLE)
    SolaraViz(model, components=[], model_params=model_params(settings), name=TITLE,
              play_interval=PLAY_INTERVAL_MS)
    with solara.Column(style={"padding": "8px 16px", "max-width": "1400px"}):
        ExplorerSidebar(settings, choices)
        RunStatus(model, settings)
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            SharesChart(model)
            AttitudesChart(model)
        SaveAsScenario(model, settings, saved, library=library,
                       overwrite_library=os.environ.get(OVERWRITE_LIBRARY_ENV) == "1",
                       on_saved=lambda _: saves.set(saves.value + 1))
