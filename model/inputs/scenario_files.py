"""Reading and writing scenario TOML files (the format is in ``docs/scenarios.md``).

Everything is checked before anything runs. Each problem raises ``ScenarioError`` with the
file, the line (found again in the text with ``toml_lines``: ``tomllib`` keeps line numbers
only for syntax errors), the key, the value and what is allowed; a misspelt or misplaced name
gets the nearest valid one and the section it belongs in.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path

import tomli_w

from . import registry
from .calendar import parse_month
from .checks import control_character, whole_number
from .errors import MISSING, InputError, nearest_names, unknown_name_message
from .registry import Group
from .scenario import (
    DEFAULT_CITIZENS,
    DEFAULT_SEEDS,
    LATEST_END,
    MAX_CITIZENS,
    MODEL_START,
    SECTIONS,
    TIMELINE_SECTIONS,
    Scenario,
    ScenarioError,
    section_of,
    validate_parameter,
    validate_timeline,
)
from .toml_lines import key_line, toml_value

#: Keys allowed at the top of a scenario file, in the order they are written.
TOP_KEYS = ("name", "description", "extends", "run", *SECTIONS)
#: Keys allowed in ``[run]``.
RUN_KEYS = ("start", "end", "citizens", "seeds")
MAX_SEEDS = 100_000
#: Files a scenario may stand on through ``extends`` (base, base of the base...): deeper
#: chains are refused rather than followed until Python's recursion limit.
MAX_EXTENDS_DEPTH = 16
#: A scenario file is a few kilobytes; a larger one is a mistake (a data file, a device).
MAX_FILE_BYTES = 1_000_000
_CHANGE_SECTIONS = ("run", *SECTIONS)
_NOUN = {Group.LEVER: "a lever", Group.EXOGENOUS: "an exogenous input",
         Group.PARAMETER: "a parameter"}
_SECTION_NOUN = {None: "top-level key", "run": "run setting", "levers": "lever",
                 "exogenous": "exogenous input", "parameters": "parameter"}
_MONTH_HINT = 'a month written as a quoted string "YYYY-MM"'


class _File:
    """The file being read: where errors point to."""

    def __init__(self, source: str, text: str | None):
        self.source, self.text = source, text

    def line(self, key: str) -> int | None:
        """Return the line of a dotted key, or None when the text is not known."""
        return key_line(self.text, key.split(".")) if self.text else None

    def error(self, key: str, value: object, allowed: str) -> ScenarioError:
        """Return an error about ``key`` located at its line."""
        return ScenarioError(self.source, key, value, allowed, self.line(key))

    def locate(self, error: ScenarioError) -> ScenarioError:
        """Return ``error`` with its line filled in, when it is about this file."""
        if error.line is None and error.source == self.source:
            return error.at_line(self.line(error.key))
        return error


def read_toml(path: Path, error: type[InputError] = ScenarioError) -> tuple[str, dict]:
    """Return a TOML input file's text and table (scenario files, factor files).

    Raises:
        InputError: (of class ``error``) for an unreadable file or bad TOML, naming the file
            and the line.
    """
    source = str(path)
    text = read_scenario_text(path)
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise _syntax_error(source, text, problem) from None
    except ValueError as problem:  # tomllib lets int() refuse integers of over 4,300 digits
        raise error(source, "TOML", MISSING, f"not a usable TOML file ({problem})") from None


def load_scenario(path: str | Path, _chain: tuple[Path, ...] = ()) -> Scenario:
    """Read, validate and resolve a scenario file, following ``extends``.

    Args:
        path: the TOML file (UTF-8; a leading byte-order mark is allowed).
        _chain: the files already being read down an ``extends`` chain (to catch cycles).

    Raises:
        ScenarioError: for any problem, naming the file, line, key, value and what is allowed.
    """
    path = Path(path)
    source = str(path)
    text, data = read_toml(path)
    return scenario_from_dict(data, source, base_dir=path.parent,
                              chain=(*_chain, path.resolve()), text=text)


def read_scenario_text(path: Path) -> str:
    """Return the text of a scenario file, after checking that it is one.

    Raises:
        ScenarioError: for a missing file, a directory, a FIFO or device, a symbolic-link
            loop, an unreadable or oversized file, or text that is not UTF-8.
    """
    _check_file(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScenarioError(str(path), "file", MISSING,
                            f"a readable scenario file ({error.strerror})") from None
    try:
        # utf-8-sig drops a byte-order mark, which Windows editors write and TOML does not
        # allow; everything after it is read exactly as UTF-8.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(str(path), "file", MISSING,
                            f"a UTF-8 text file ({error.reason} at byte {error.start})") from None


def _check_file(path: Path) -> None:
    """Raise unless ``path`` is a regular file of a scenario's size (following links)."""
    source = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        dangling = " (a symbolic link to a missing file)" if path.is_symlink() else ""
        raise ScenarioError(source, "file", MISSING,
                            f"no such scenario file{dangling} (looked for "
                            f"{path.absolute()})") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ScenarioError(source, "file", MISSING, "a scenario file; this is a loop of "
                                "symbolic links that never reaches a file") from None
        raise ScenarioError(source, "file", MISSING,
                            f"a readable scenario file ({error.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(source, "file", MISSING, "a scenario file, not a directory")
    if not stat.S_ISREG(info.st_mode):
        # Reading a FIFO would wait for a writer forever; a device may never end.
        raise ScenarioError(source, "file", MISSING,
                            f"a regular scenario file, not {_file_kind(info.st_mode)}")
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(source, "file", MISSING,
                            f"a scenario file of at most {MAX_FILE_BYTES:,} bytes (this one "
                            f"has {info.st_size:,})")


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "a special file"


def scenario_file_chain(path: str | Path) -> list[Path]:
    """Return a scenario file and every file it ``extends``, the file itself first.

    Meant for files that loaded: the walk stops quietly at a file it cannot read or parse,
    and at a cycle.
    """
    chain, current, seen = [], Path(path), set()
    while True:
        try:
            text = read_scenario_text(current)
            if current.resolve() in seen:
                break
            base = tomllib.loads(text).get("extends")
        except (ScenarioError, tomllib.TOMLDecodeError, ValueError):
            break
        seen.add(current.resolve())
        chain.append(current)
        if not isinstance(base, str):
            break
        current = current.parent / base
    return chain


def _syntax_error(source: str, text: str, error: tomllib.TOMLDecodeError) -> ScenarioError:
    """Turn a ``tomllib`` error into one naming the offending line and a likely fix."""
    message = str(error)
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if found is None:
        return ScenarioError(source, "TOML", MISSING, f"not valid TOML: {message}")
    line, column = int(found[1]), int(found[2])
    reason = message[:found.start()].strip()
    lines = text.splitlines()
    written = lines[line - 1] if line <= len(lines) else ""
    written = re.sub(r"\s+#[^\"']*$", "", written).strip()  # the comment is not the key
    allowed = f"not valid TOML ({reason} at column {column})"
    if re.search(r"=\s*\d{4}-\d{1,2}\s*(#.*)?$", written):
        allowed += '; write months as quoted strings, e.g. "2026-01"'
    elif re.search(r"=\s*[A-Za-z_]", written) and not re.search(r"=\s*(true|false)\b", written):
        allowed += "; text values need quotes"
    key = written[:60] if written else "TOML"
    return ScenarioError(source, key, MISSING, allowed, line)


def scenario_from_dict(data: Mapping, source: str, base_dir: Path | None = None,
                       chain: tuple[Path, ...] = (), text: str | None = None) -> Scenario:
    """Validate a parsed scenario table and resolve it against its base.

    Args:
        data: the parsed TOML table.
        source: the file name used in error messages.
        base_dir: the folder ``extends`` is relative to (the current folder by default).
        chain: the files already being read down an ``extends`` chain.
        text: the file's text, to give error messages a line number.

    Raises:
        ScenarioError: for any problem, naming the file, line, key, value and what is allowed.
    """
    file = _File(source, text)
    for key, value in data.items():
        if key not in TOP_KEYS:
            raise file.error(key, value, _unknown_name(key, None))
    for section in _CHANGE_SECTIONS:
        if section in data and not isinstance(data[section], Mapping):
            raise file.error(section, data[section],
                             f"a table: write [{section}] on a line of its own, then its keys")
    if not data:
        raise file.error("scenario", MISSING,
                         "the file is empty: a scenario has a name, a description, and "
                         "run settings, levers, exogenous inputs or parameters to set")
    if not any(data.get(section) for section in _CHANGE_SECTIONS):
        raise file.error("scenario", MISSING,
                         "the scenario changes nothing: give [run] settings, [levers], "
                         "[exogenous] or [parameters] (a scenario that extends another lists "
                         "what it changes)")

    base = _base(file, data, base_dir, chain)
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str) or not name.strip():
        raise file.error("name", name, "a non-empty string")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise file.error("description", description, 'a string; use """...""" for several lines')
    for key, text, newlines in (("name", name, False), ("description", description, True)):
        found = control_character(text, allow_newlines=newlines)
        if found:  # names reach the terminal and CSV cells, where a control would act
            raise file.error(key, text, f"text without control characters (found {found})")

    start, end, citizens, seeds = _run_settings(file, data.get("run", {}), base)
    changes: dict[str, dict] = {}
    for section in TIMELINE_SECTIONS:
        changes[section] = {}
        for lever, raw in data.get(section, {}).items():
            _check_name(file, section, lever, raw)
            changes[section][lever] = _timeline(file, section, lever, raw, start, end)
    parameters = {}
    for key, value in data.get("parameters", {}).items():
        _check_name(file, "parameters", key, value)
        try:
            parameters[key] = validate_parameter(source, key, value)
        except ScenarioError as error:
            raise file.locate(error) from None
    return base.with_changes(levers=changes["levers"], exogenous=changes["exogenous"],
                             parameters=parameters, name=name.strip(),
                             description=description.strip(), start=start, end=end,
                             citizens=citizens, seeds=seeds, path=source)


def _base(file: _File, data: Mapping, base_dir: Path | None,
          chain: tuple[Path, ...]) -> Scenario:
    """Return the scenario that ``extends`` names, loaded and validated, or the registry's."""
    if "extends" not in data:
        return Scenario(name="baseline")
    extends = data["extends"]
    if not isinstance(extends, str) or not extends.strip():
        raise file.error("extends", extends,
                         'a path to a .toml file, relative to this file, e.g. "baseline.toml"')
    base_path = (base_dir or Path(".")) / extends
    if not base_path.exists() and not base_path.is_symlink():
        raise file.error("extends", extends, f"no such scenario file (looked for {base_path})")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise file.error("extends", extends,
                         f"at most {MAX_EXTENDS_DEPTH} files in an extends chain (this file is "
                         f"number {len(chain)}, counting from the one given); extend a file "
                         "nearer the baseline")
    _check_file(base_path)  # a directory, FIFO or link loop is named before resolve()
    if base_path.resolve() in chain:
        names = [p.name for p in (*chain[chain.index(base_path.resolve()):],
                                  base_path.resolve())]
        raise file.error("extends", extends, "a scenario cannot extend itself, directly or "
                                             f"through others: {' -> '.join(names)}")
    return load_scenario(base_path, chain)


def _run_settings(file: _File, run: Mapping, base: Scenario) -> tuple[str, str, int, int]:
    """Return (start, end, citizens, seeds) from ``[run]``, inheriting the base's."""
    for key, value in run.items():
        if key not in RUN_KEYS:
            raise file.error(f"run.{key}", value, _unknown_name(key, "run"))
    start = run.get("start", base.start)
    if start != MODEL_START:
        allowed = (f'"{MODEL_START}": the model starts at the first survey wave, '
                   "September 2020 (leave start out)")
        raise file.error("run.start", start, allowed)
    end = run.get("end", base.end)
    try:
        if not isinstance(end, str):
            raise TypeError
        if not parse_month(MODEL_START) < parse_month(end) <= parse_month(LATEST_END):
            raise ValueError
    except (ValueError, TypeError):
        raise file.error("run.end", end, f"{_MONTH_HINT} after {MODEL_START} and no later "
                                         f"than {LATEST_END}") from None
    citizens = _whole_number(file, "run.citizens", run.get("citizens", base.citizens),
                             1, MAX_CITIZENS)
    seeds = _whole_number(file, "run.seeds", run.get("seeds", base.seeds), 1, MAX_SEEDS)
    return start, end, citizens, seeds


def _whole_number(file: _File, key: str, value: object, low: int, high: int) -> int:
    try:
        return whole_number(file.source, key, value, low, high)
    except InputError as error:
        raise file.error(key, value, error.allowed) from None


def _timeline(file: _File, section: str, name: str, raw: object, start: str, end: str):
    """Return the validated points of one timeline; a bare value holds from ``start``."""
    try:
        return validate_timeline(file.source, section, name, raw, start, end)
    except ScenarioError as error:
        if not isinstance(raw, Mapping) and error.key == f"{section}.{name}.{start}":
            # The user wrote a bare value, not a dated one: do not show a date they never wrote.
            error = ScenarioError(error.source, f"{section}.{name}", error.value,
                                  error.allowed + f" (a bare value holds from {start})")
        raise file.locate(error) from None


def _check_name(file: _File, section: str, name: str, value: object) -> None:
    """Raise unless ``name`` is a quantity of the group that ``section`` holds."""
    quantity = next((q for q in registry.ALL if q.name == name), None)
    if quantity is None or section_of(quantity.group) != section:
        raise file.error(f"{section}.{name}", value, _unknown_name(name, section))


def _unknown_name(name: str, section: str | None) -> str:
    """Say why ``name`` is not allowed in ``section`` (None: the top level) and what is."""
    noun = _SECTION_NOUN[section]
    here = f"[{section}]" if section else "the top level"
    known = {q.name: q for q in registry.ALL}
    if name in known:
        quantity = known[name]
        return (f"{name!r} is {_NOUN[quantity.group]}, so it belongs under "
                f"[{section_of(quantity.group)}], not {here}")
    if name in RUN_KEYS and section != "run":
        return f"{name!r} is a run setting, so it belongs under [run], not {here}"
    if name in TOP_KEYS and section is not None:
        return (f"{name!r} belongs at the top of the file, before the first [section] "
                f"header, not under {here}")
    valid = _valid_names(section)
    if nearest_names(name, valid):
        return unknown_name_message(name, valid, noun)
    elsewhere = {**{n: f"{_NOUN[q.group]}, under [{section_of(q.group)}]"
                    for n, q in known.items()},
                 **{n: "a run setting, under [run]" for n in RUN_KEYS},
                 **{n: "a top-level key, written before the first [section]" for n in TOP_KEYS}}
    close = nearest_names(name, elsewhere)
    if close:
        return f"unknown {noun} {name!r}; did you mean {close[0]!r} ({elsewhere[close[0]]})?"
    if section in SECTIONS:
        return (f"unknown {noun} {name!r}; `python run.py levers` lists every valid name "
                f"(docs/levers.md)")
    return f"unknown {noun} {name!r}; allowed in {here}: {', '.join(valid)}"


def _valid_names(section: str | None) -> tuple[str, ...]:
    if section is None:
        return TOP_KEYS
    if section == "run":
        return RUN_KEYS
    return registry.names(SECTIONS[section])


# --- writing -----------------------------------------------------------------------------

def _number(name: str, value: float) -> int | float:
    """Return ``value`` as an int for whole-number quantities, so files read naturally."""
    return int(value) if registry.get(name).dtype == "int" else float(value)


def _points_table(name: str, points) -> dict:
    return {p.month: ({"value": _number(name, p.value), "ramp": True} if p.ramp
                      else _number(name, p.value)) for p in points}


def scenario_to_dict(scenario: Scenario, base: Scenario | None = None,
                     extends: str | None = None, *, complete: bool = False) -> dict:
    """Return the TOML table of ``scenario``; loading it gives a scenario that runs the same.

    Args:
        scenario: the (resolved) scenario to write.
        base: write only what differs from ``base`` (run settings, timelines and
            parameters); the file must then extend it (give ``extends``).
        extends: the path written as ``extends``, relative to where the file will live.
        complete: write every lever's and exogenous input's whole timeline and every
            parameter's value, not only the changes against the registry. The record then
            runs the same even if the registry's history or defaults change later (manifests).
    """
    if complete and base is not None:
        raise ValueError("complete=True writes the whole scenario: give no base")
    table: dict = {"name": scenario.name, "description": scenario.description}
    if extends:
        table["extends"] = extends
    run = {"start": scenario.start, "end": scenario.end, "citizens": scenario.citizens,
           "seeds": scenario.seeds}
    if base is not None:
        run = {key: value for key, value in run.items() if getattr(base, key) != value}
    if run:
        table["run"] = run
    for section in TIMELINE_SECTIONS:
        group = SECTIONS[section]
        if complete:
            changed = {name: scenario.timeline(name) for name in registry.names(group)}
        else:
            changed = {name: points for name, points in getattr(scenario, section).items()
                       if points and (base is None
                                      or scenario.timeline(name) != base.timeline(name))}
        if changed:
            table[section] = {name: _points_table(name, points)
                              for name, points in changed.items()}
    if complete:
        parameters = dict(scenario.resolved_parameters())
    else:
        reference = base.resolved_parameters() if base is not None else None
        parameters = {key: value for key, value in scenario.parameters.items()
                      if reference is None or reference[key] != value}
    if parameters:
        table["parameters"] = {key: _number(key, value) for key, value in parameters.items()}
    return table


def dumps_scenario(table: Mapping) -> str:
    """Return the TOML text of a scenario table (as made by ``scenario_to_dict``).

    Each timeline is written as its own ``[levers.NAME]`` table with ramps as inline tables,
    so its dates stay in order: a general TOML writer moves nested tables to the end.
    """
    head = {key: table[key] for key in ("name", "description", "extends", "run")
            if key in table}
    parts = [tomli_w.dumps(head, multiline_strings=True)]
    for section in TIMELINE_SECTIONS:
        for name, points in table.get(section, {}).items():
            lines = [f"[{section}.{name}]"]
            lines += [f"{toml_value(month)} = {toml_value(entry)}"
                      for month, entry in points.items()]
            parts.append("\n".join(lines) + "\n")
    if "parameters" in table:
        parts.append(tomli_w.dumps({"parameters": table["parameters"]}))
    return "\n".join(parts)


def write_scenario(scenario: Scenario, path: str | Path, base: Scenario | None = None,
                   extends: str | None = None, *, complete: bool = False) -> Path:
    """Write ``scenario`` as a TOML file atomically (see ``scenario_to_dict``)."""
    path = Path(path)
    text = dumps_scenario(scenario_to_dict(scenario, base, extends, complete=complete))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp",
                                     encoding="utf-8") as handle:
        handle.write(text)
    os.replace(handle.name, path)
    return path


__all__ = ["DEFAULT_CITIZENS", "DEFAULT_SEEDS", "RUN_KEYS", "TOP_KEYS", "dumps_scenario",
           "load_scenario", "scenario_from_dict", "scenario_to_dict", "write_scenario"]
