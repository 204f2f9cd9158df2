"""Factor files: what moved opinion, as named groups of inputs (format in docs/attribution.md).

A factor file names an outcome (a survey wave's fieldwork, or months) and factors, each a
label and the levers and exogenous inputs it holds: at their state of a given month from
the start (``held_at``, default the model's start, Sep 2020), or on replacement timelines
written as in a scenario file. ``python run.py attribute`` runs every combination of the
factors following history or held, and splits the outcome's shift between them.

TOML form::

    name = "drivers_2020_2025"
    description = "Why did opinion move from Sep 2020 to the Aug-Nov 2025 wave?"

    [outcome]
    wave = "2025-08"               # a wave's key (its first fieldwork month), or
    # months = ["2025-08", "2025-11"]   # months, each weighing the same
    measure = "survey"             # or "population"
    answers = ["russia", "both", "eu", "neither"]

    [factors.war]
    label = "The war"
    hold = ["war"]                 # held at its Sep 2020 value from the start

    [factors.propaganda]
    label = "No state media from Oct 2020"
    timelines = { propaganda_state = { "2020-10" = 0 }, state_media_reach = { "2020-10" = 0 } }

Everything is checked before anything runs, with the errors of scenario files (file,
line, key, value, what is allowed; a misspelt name gets the nearest valid one).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ..core.observation import CATEGORIES, MEASURES
from . import registry
from .calendar import months_between, parse_month
from .checks import control_character
from .errors import MISSING, InputError, unknown_name_message
from .registry import Group
from .scenario import LATEST_END, MODEL_START, Scenario, ScenarioError, section_of
from .scenario_files import _File, _syntax_error, _timeline, read_scenario_text
from .survey_data import Wave
from .timeline import TimelinePoint, compile_timeline

TOP_KEYS = ("name", "description", "outcome", "factors")
OUTCOME_KEYS = ("wave", "months", "measure", "answers")
FACTOR_KEYS = ("label", "hold", "held_at", "timelines")
DEFAULT_MEASURE = "survey"
#: More factors than this is a mistake: each sampled order adds up to k coalitions per draw.
MAX_FACTORS = 24
_MONTH_HINT = 'a month written as a quoted string "YYYY-MM"'


@dataclass(frozen=True)
class Outcome:
    """What is attributed: one measure's answers, averaged over a window of months.

    Attributes:
        months: the months named (a wave's fieldwork months, or those listed).
        measure: ``survey`` or ``population``.
        answers: the answers, in ``CATEGORIES`` order.
        wave: the survey wave, when the outcome is one (its fieldwork weights the months).
    """

    months: tuple[str, ...]
    measure: str = DEFAULT_MEASURE
    answers: tuple[str, ...] = CATEGORIES
    wave: Wave | None = None

    @property
    def key(self) -> str:
        """Return the wave's key (its first fieldwork month), or the months joined by ','."""
        return self.wave.months[0] if self.wave else ",".join(self.months)

    @property
    def end(self) -> str:
        """Return the last month the outcome reads: the runs stop there."""
        return self.months[-1]

    def describe(self) -> str:
        """Return the outcome in words, for messages and figures."""
        if self.wave:
            return f"the {self.wave.label} wave (fieldwork {self.months[0]} to {self.end})"
        return "the mean of " + ", ".join(self.months)

    def weights(self, months: Sequence[str]) -> np.ndarray:
        """Return the weights over the simulated ``months`` of the outcome's mean.

        A wave weighs its fieldwork days (``Wave.month_weights``, as the calibration
        targets do); listed months each weigh the same, at their month-end state.
        """
        if self.wave is not None:
            return self.wave.month_weights(months)
        weights = np.zeros(len(months))
        weights[[list(months).index(month) for month in self.months]] = 1 / len(self.months)
        return weights


@dataclass(frozen=True)
class Factor:
    """A named group of inputs, held (or replaced) when the factor does not follow history.

    Attributes:
        key: the factor's key in the file (``[factors.KEY]``).
        label: what it is, in words.
        held: inputs held constant from the start, each at its value in the month given.
        timelines: inputs replaced by these timelines instead.
    """

    key: str
    label: str
    held: Mapping[str, str] = field(default_factory=dict)
    timelines: Mapping[str, tuple[TimelinePoint, ...]] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "held", MappingProxyType(dict(self.held)))
        object.__setattr__(self, "timelines", MappingProxyType(dict(self.timelines)))

    @property
    def inputs(self) -> tuple[str, ...]:
        """Return every input the factor moves, held ones first."""
        return (*self.held, *self.timelines)

    def counterfactual(self, actual: Scenario) -> dict[str, dict]:
        """Return the changes to ``actual`` that take this factor's history away.

        A held input becomes a constant from the run's start at its value in ``actual`` in
        the month it is held at; a replaced one takes its timeline (from its first month).
        """
        changes: dict[str, dict] = {"levers": {}, "exogenous": {}}
        for name, month in self.held.items():
            value = compile_timeline(actual.timeline(name), actual.start,
                                     months_between(actual.start, month) + 1)[-1]
            section = section_of(registry.get(name).group)
            changes[section][name] = (TimelinePoint(actual.start, float(value)),)
        for name, points in self.timelines.items():
            changes[section_of(registry.get(name).group)][name] = points
        return changes


@dataclass(frozen=True)
class FactorSet:
    """A validated factor file.

    Attributes:
        name: the file's name (labels the runs).
        description: what it asks, and which inputs it leaves moving and why.
        outcome: what is attributed.
        factors: the factors, in the file's order (factor i is bit i of a coalition).
        path: the file, when read from one.
    """

    name: str
    description: str
    outcome: Outcome
    factors: tuple[Factor, ...]
    path: str | None = None

    def actual(self) -> Scenario:
        """Return the actual world: the registry's history, run to the outcome's end."""
        return Scenario(name=self.name).with_changes(end=self.outcome.end)

    def scenario(self, coalition: int) -> Scenario:
        """Return the world of a coalition: its factors actual, the others taken away.

        Args:
            coalition: a bit mask, bit i set when factor i follows its history.
        """
        actual = self.actual()
        levers, exogenous = {}, {}
        for i, factor in enumerate(self.factors):
            if not coalition >> i & 1:
                changes = factor.counterfactual(actual)
                levers |= changes["levers"]
                exogenous |= changes["exogenous"]
        kept = [f.key for i, f in enumerate(self.factors) if coalition >> i & 1]
        name = f"{self.name}: actual {'+'.join(kept)}" if kept else f"{self.name}: all held"
        return actual.with_changes(levers=levers, exogenous=exogenous, name=name)

    def start_changes(self) -> dict[str, tuple[str, ...]]:
        """Return, by factor, the inputs whose held or replaced value differs in the start month.

        The model sets its anchors so that the start month's world is at rest
        (``docs/ODD.md``, section 5): a change to the start month's inputs moves the anchors
        with it, so most of its effect never shows (``docs/attribution.md``).
        """
        actual = self.actual()
        first = actual.compile_inputs().at(0)
        found = {}
        for factor in self.factors:
            changes = factor.counterfactual(actual)
            held = actual.with_changes(**changes).compile_inputs().at(0)
            names = tuple(name for name in factor.inputs if held[name] != first[name])
            if names:
                found[factor.key] = names
        return found

    def moving(self) -> tuple[str, ...]:
        """Return the dated inputs that change within the outcome's window but no factor moves.

        They follow their history in every coalition, so their effect is in the residual.
        """
        taken = {name for factor in self.factors for name in factor.inputs}
        compiled = self.actual().compile_inputs()
        return tuple(name for name, series in compiled.series.items()
                     if name not in taken and np.ptp(series) > 0)


def load_factor_file(path: str | Path, waves: Sequence[Wave],
                     outcome: str | None = None) -> FactorSet:
    """Read and validate a factor file.

    Args:
        path: the TOML file.
        waves: the survey waves a ``wave`` key may name.
        outcome: ``--outcome`` (a wave key, or months separated by commas), which replaces
            the file's ``wave`` or ``months``; None keeps the file's.

    Raises:
        InputError: for any problem, naming the file (or option), line, key, value and
            what is allowed.
    """
    path = Path(path)
    source = str(path)
    text = read_scenario_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(source, text, error) from None
    except ValueError as error:
        raise InputError(source, "TOML", MISSING, f"not a usable TOML file ({error})") from None
    return factor_set_from_dict(data, source, waves, outcome, text)


def factor_set_from_dict(data: Mapping, source: str, waves: Sequence[Wave],
                         outcome: str | None = None, text: str | None = None) -> FactorSet:
    """Validate a parsed factor file (see ``load_factor_file``)."""
    file = _File(source, text)
    for key, value in data.items():
        if key not in TOP_KEYS:
            raise file.error(key, value, _unknown(key, TOP_KEYS, "top-level key"))
    name = data.get("name", Path(source).stem)
    description = data.get("description", "")
    for key, value, newlines in (("name", name, False), ("description", description, True)):
        if not isinstance(value, str) or (key == "name" and not value.strip()):
            raise file.error(key, value, "a non-empty string" if key == "name" else
                             'a string; use """...""" for several lines')
        found = control_character(value, allow_newlines=newlines)
        if found:
            raise file.error(key, value, f"text without control characters (found {found})")
    chosen = _outcome(file, data.get("outcome", MISSING), waves, outcome)
    factors = _factors(file, data.get("factors", MISSING), chosen.end)
    return FactorSet(name.strip(), description.strip(), chosen, factors, source)


# --- the outcome -------------------------------------------------------------------------
def _table(file: _File, key: str, value: object, keys: Sequence[str], what: str) -> Mapping:
    if value is MISSING:
        raise file.error(key, MISSING, f"missing: the file needs [{key}], {what}")
    if not isinstance(value, Mapping):
        raise file.error(key, value, f"a table: write [{key}] on a line of its own, then its "
                                     f"keys ({', '.join(keys)})")
    for name, entry in value.items():
        if name not in keys:
            raise file.error(f"{key}.{name}", entry, _unknown(name, keys, f"key of [{key}]"))
    return value


def _outcome(file: _File, raw: object, waves: Sequence[Wave], option: str | None) -> Outcome:
    table = _table(file, "outcome", raw, OUTCOME_KEYS,
                   'with the wave (wave = "2025-08") or the months (months = [...])')
    measure = table.get("measure", DEFAULT_MEASURE)
    if measure not in MEASURES:
        raise file.error("outcome.measure", measure, f"one of {', '.join(MEASURES)}")
    answers = _answers(file, table.get("answers", list(CATEGORIES)))
    if option is not None:
        return _option_outcome(option, waves, measure, answers)
    if ("wave" in table) == ("months" in table):
        raise file.error("outcome", MISSING if not table else dict(table),
                         'either wave = "YYYY-MM" (a survey wave\'s key) or months = '
                         '["YYYY-MM", ...], not both or neither')
    if "wave" in table:
        wave = _wave(file.source, "outcome.wave", table["wave"], waves, file.line("outcome.wave"))
        return Outcome(wave.months, measure, answers, wave)
    return Outcome(_months(file, table["months"]), measure, answers)


def _answers(file: _File, raw: object) -> tuple[str, ...]:
    allowed = f"a list of answers among {', '.join(CATEGORIES)}, each once"
    if not isinstance(raw, list) or not raw:
        raise file.error("outcome.answers", raw, allowed)
    for answer in raw:
        if answer not in CATEGORIES or raw.count(answer) > 1:
            raise file.error("outcome.answers", answer, allowed + (
                "" if answer not in CATEGORIES else f"; {answer!r} is given twice"))
    return tuple(c for c in CATEGORIES if c in raw)


def wave_keys(waves: Sequence[Wave]) -> dict[str, Wave]:
    """Return the waves by key, their first fieldwork month (as calibration targets are)."""
    return {wave.months[0]: wave for wave in waves}


def _wave(source: str, key: str, value: object, waves: Sequence[Wave],
          line: int | None = None) -> Wave:
    keyed = {k: w for k, w in sorted(wave_keys(waves).items(), key=lambda kw: parse_month(
        kw[0])) if parse_month(k) > parse_month(MODEL_START)}
    if value not in keyed:
        listed = ", ".join(f"{k} ({w.label})" for k, w in keyed.items())
        raise InputError(source, key, value, f"a survey wave after the start, by its first "
                                             f"fieldwork month: {listed}", line)
    return keyed[value]


def _months(file: _File, raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise file.error("outcome.months", raw, f"a list of months, each {_MONTH_HINT}")
    for month in raw:
        _check_month(file.source, "outcome.months", month, file.line("outcome.months"))
    if len(set(raw)) < len(raw) or sorted(raw, key=parse_month) != raw:
        raise file.error("outcome.months", raw, "months in increasing order, each once")
    return tuple(raw)


def _check_month(source: str, key: str, month: object, line: int | None = None,
                 hint: str = _MONTH_HINT) -> str:
    try:
        inside = parse_month(MODEL_START) < parse_month(month) <= parse_month(LATEST_END)
    except (TypeError, ValueError):
        inside = False
    if not inside:
        raise InputError(source, key, month, f"{hint} after {MODEL_START} (the start, "
                                             f"where nothing has moved yet) and no later than "
                                             f"{LATEST_END}", line)
    return month


def _option_outcome(text: str, waves: Sequence[Wave], measure: str,
                    answers: tuple[str, ...]) -> Outcome:
    """Return ``--outcome``: a wave's key, or months separated by commas."""
    if text in wave_keys(waves):
        wave = _wave("--outcome", "value", text, waves)
        return Outcome(wave.months, measure, answers, wave)
    months = tuple(part.strip() for part in text.split(",") if part.strip())
    if not months:
        raise InputError("--outcome", "value", text, "a wave key or months YYYY-MM, "
                                                     "separated by commas")
    for month in months:
        _check_month("--outcome", "value", month, hint="a wave key or months YYYY-MM")
    if len(set(months)) < len(months) or sorted(months, key=parse_month) != list(months):
        raise InputError("--outcome", "value", text, "months in increasing order, each once")
    return Outcome(months, measure, answers)


# --- the factors -------------------------------------------------------------------------
def _factors(file: _File, raw: object, end: str) -> tuple[Factor, ...]:
    if raw is MISSING:
        raise file.error("factors", MISSING, "missing: the file needs factors, each a "
                                             "[factors.KEY] table with a label and inputs")
    if not isinstance(raw, Mapping) or not raw:
        raise file.error("factors", raw, "[factors.KEY] tables, at least one")
    if len(raw) > MAX_FACTORS:
        raise file.error("factors", len(raw), f"at most {MAX_FACTORS} factors")
    owner: dict[str, str] = {}
    factors = []
    for key, table in raw.items():
        where = f"factors.{key}"
        found = control_character(key)
        if found or not key.strip():
            raise file.error(where, MISSING, f"a factor key of visible characters (found "
                                             f"{found or 'an empty key'})")
        if not isinstance(table, Mapping):
            raise file.error(where, table, f"a table: write [{where}] on a line of its own, "
                                           f"then its keys ({', '.join(FACTOR_KEYS)})")
        factor = _factor(file, key, _table(file, where, table, FACTOR_KEYS, ""), end)
        for name in factor.inputs:
            if name in owner:
                key_of = f"{where}.hold" if name in factor.held else f"{where}.timelines.{name}"
                raise file.error(key_of, name, f"each input in one factor only; {name!r} is "
                                               f"in factors.{owner[name]} too")
            owner[name] = key
        factors.append(factor)
    return tuple(factors)


def _factor(file: _File, key: str, table: Mapping, end: str) -> Factor:
    where = f"factors.{key}"
    label = table.get("label", MISSING)
    if not isinstance(label, str) or not label.strip():
        raise file.error(f"{where}.label", label, "a non-empty string saying what the factor "
                                                  "is (it labels the tables and figures)")
    found = control_character(label)
    if found:
        raise file.error(f"{where}.label", label,
                         f"text without control characters (found {found})")
    held_at = table.get("held_at", MODEL_START)
    try:
        inside = parse_month(MODEL_START) <= parse_month(held_at) <= parse_month(end)
    except (TypeError, ValueError):
        inside = False
    if not inside:
        raise file.error(f"{where}.held_at", held_at,
                         f"{_MONTH_HINT} from {MODEL_START} to the outcome's last month, {end}")
    hold = table.get("hold", [])
    if not isinstance(hold, list) or not all(isinstance(name, str) for name in hold):
        raise file.error(f"{where}.hold", hold, "a list of lever and exogenous input names")
    for name in hold:
        _check_input(file, f"{where}.hold", name)
        if hold.count(name) > 1:
            raise file.error(f"{where}.hold", name, "each input once")
    timelines = table.get("timelines", {})
    if not isinstance(timelines, Mapping):
        raise file.error(f"{where}.timelines", timelines,
                         "a table of input = timeline (as in a scenario file's [levers])")
    replaced = {}
    for name, raw in timelines.items():
        _check_input(file, f"{where}.timelines", name)
        if name in hold:
            raise file.error(f"{where}.timelines.{name}", raw,
                             f"{name!r} is also in {where}.hold: hold it or give its "
                             "timeline, not both")
        replaced[name] = _replacement(file, where, name, raw, end)
    if not hold and not replaced:
        raise file.error(where, MISSING, "a factor moves inputs: give hold = [...] or "
                                         "timelines")
    return Factor(key, label.strip(), dict.fromkeys(hold, held_at), replaced)


def _check_input(file: _File, key: str, name: str) -> None:
    timelines = registry.names(Group.LEVER) + registry.names(Group.EXOGENOUS)
    if name in timelines:
        return
    if name in registry.names(Group.PARAMETER):
        allowed = (f"{name!r} is a parameter, constant in every run: a factor holds levers "
                   "and exogenous inputs (their dated histories)")
    else:
        allowed = (unknown_name_message(name, timelines, "lever or exogenous input")
                   + "; `python run.py levers` lists them")
    raise file.error(key, name, allowed)


def _replacement(file: _File, where: str, name: str, raw: object,
                 end: str) -> tuple[TimelinePoint, ...]:
    """Return a replacement timeline, checked as a scenario file's (a bare value: the start)."""
    section = section_of(registry.get(name).group)
    try:
        points = _timeline(file, section, name, raw, MODEL_START, end)
    except ScenarioError as error:
        # Name the key where the user wrote it, not the scenario section it would sit in.
        key = error.key.replace(section, f"{where}.timelines", 1)
        raise InputError(error.source, key, error.value, error.allowed,
                         file.line(key)) from None
    return points


def _unknown(name: str, valid: Sequence[str], noun: str) -> str:
    hint = unknown_name_message(name, valid, noun)
    return hint if "did you mean" in hint else f"{hint}; allowed: {', '.join(valid)}"

