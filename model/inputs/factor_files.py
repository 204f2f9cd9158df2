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

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..core.observation import CATEGORIES, MEASURES
from . import registry
from .calendar import parse_month
from .checks import control_character
from .errors import MISSING, InputError, unknown_name_message
from .factors import DEFAULT_MEASURE, Factor, FactorSet, Outcome
from .registry import Group
from .scenario import LATEST_END, MODEL_START, ScenarioError, section_of
from .scenario_files import _File, _timeline, read_toml
from .survey_data import Wave
from .timeline import TimelinePoint

TOP_KEYS = ("name", "description", "outcome", "factors")
OUTCOME_KEYS = ("wave", "months", "measure", "answers")
FACTOR_KEYS = ("label", "hold", "held_at", "timelines")
#: More factors than this is a mistake: each sampled order adds up to k coalitions per draw.
MAX_FACTORS = 24
_MONTH_HINT = 'a month written as a quoted string "YYYY-MM"'


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
    text, data = read_toml(path, InputError)
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

