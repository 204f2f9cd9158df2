"""Policy-impact simulator of Belarusian foreign-policy opinion (an agent-based model).

Entry points: ``simulate`` (pure: scenario and seed in, monthly shares out), ``OpinionModel``
(the Mesa model, for stepping and inspection) and ``load_scenario`` (TOML files). Bad input
raises ``InputError`` (``ScenarioError``, its subclass, for what goes into a scenario).
"""

from .core.opinion_model import OpinionModel
from .core.simulate import SimulationResult, simulate
from .inputs.errors import InputError
from .inputs.scenario import Scenario, ScenarioError, baseline
from .inputs.scenario_files import load_scenario

__all__ = ["InputError", "OpinionModel", "Scenario", "ScenarioError", "SimulationResult",
           "baseline", "load_scenario", "simulate"]
