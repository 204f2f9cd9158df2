"""Files generated from the registry: ``docs/levers.md`` and ``scenarios/baseline.toml``.

The registry (``model/inputs/registry.py``) is the one home of every lever's dated history and every
parameter's default. These two files are written from it, never by hand::

    python -m model.docs            # rewrite both files
    python -m model.docs --check    # exit 1 if either is out of date (as the tests do)

``tests/test_generated_files.py`` fails when a committed copy differs from what this module
writes, so a registry change must come with the regenerated files.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from .inputs import registry
from .inputs.registry import Group, Quantity
from .inputs.scenario import (
    DEFAULT_CITIZENS,
    DEFAULT_END,
    DEFAULT_SEEDS,
    MODEL_START,
    SECTIONS,
    TIMELINE_SECTIONS,
    baseline,
)

ROOT = Path(__file__).resolve().parent.parent
LEVERS_MD = Path("docs") / "levers.md"
BASELINE_TOML = Path("scenarios") / "baseline.toml"
REGENERATE = "python -m model.docs"
_WIDTH = 96

GROUP_TITLES = {
    Group.LEVER: "Levers: what Western governments control",
    Group.EXOGENOUS: "Exogenous inputs: uncertain time series nobody in the West controls",
    Group.PARAMETER: "Parameters: constant behavioural and observation uncertainties",
}

BASELINE_DESCRIPTION = f"""{baseline().description}

What it represents: every lever and exogenous input follows its dated, sourced history from
the registry up to its last recorded change (late 2025 for the border crossings and bus
routes), and then stays where it was: the status quo, with no new Western policy and no new
shift in propaganda, repression or emigration. Every parameter is at its registry default.

Why: it is the reference every policy scenario is compared with, and the history that the
model is checked against (the Chatham House waves of Sep 2020 to Nov 2025). Policy scenarios
extend this file and list only what they change, from their policy date on."""


# --- shared text helpers (also used by `python run.py levers`) ---------------------------

def number(value: float) -> str:
    """Return ``value`` written briefly and exactly: ``35``, ``0.085``, ``100000``."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def bounds_text(quantity: Quantity) -> str:
    """Return the allowed range, e.g. ``0 to 200``."""
    low, high = quantity.bounds
    return f"{number(low)} to {number(high)}"


def value_text(quantity: Quantity, separator: str = "; ") -> str:
    """Return a parameter's default, or a timeline's dated values ``2020-09: 35; ...``."""
    if quantity.time_varying:
        return separator.join(f"{p.month}: {number(p.value)}" for p in quantity.history)
    return number(quantity.default)


def _comment(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width=_WIDTH, initial_indent=f"{indent}# ",
                         subsequent_indent=f"{indent}# ", break_long_words=False,
                         break_on_hyphens=False)


# --- scenarios/baseline.toml -------------------------------------------------------------

def baseline_toml() -> str:
    """Return the text of ``scenarios/baseline.toml``: every timeline's sourced history."""
    lines = [
        "# GENERATED FILE: do not edit by hand.",
        *_comment("Written from model/inputs/registry.py, the one home of every lever's and "
                  f"exogenous input's dated history, by `{REGENERATE}`. To change a value or a "
                  "source, edit the registry and run that command again; a test fails while "
                  "this file is out of date."),
        *_comment("Each dated value holds from its month until the next one (a step), or is "
                  "reached by a straight line from the previous one where it says ramp = true; "
                  "the last one holds to the end of the run. Comments give each value's "
                  "source."),
        "",
        'name = "baseline"',
        f'description = """\n{BASELINE_DESCRIPTION}\n"""',
        "",
        "[run]",
        f'start = "{MODEL_START}"',
        f'end = "{DEFAULT_END}"',
        f"citizens = {DEFAULT_CITIZENS}",
        f"seeds = {DEFAULT_SEEDS}",
    ]
    for section in TIMELINE_SECTIONS:
        group = SECTIONS[section]
        lines += ["", "", f"# {'=' * (_WIDTH - 2)}", f"# {GROUP_TITLES[group]}",
                  f"# {'=' * (_WIDTH - 2)}"]
        for quantity in registry.group(group):
            lines += ["", *_comment(quantity.description),
                      *_comment(f"Unit: {quantity.unit}; allowed {bounds_text(quantity)}."),
                      f"[{section}.{quantity.name}]"]
            for point in quantity.history:
                value = (f"{{ value = {number(point.value)}, ramp = true }}" if point.ramp
                         else number(point.value))
                lines += [*_comment(point.source), f'"{point.month}" = {value}']
    lines += ["", "",
              "# Parameters: every one at its registry default (docs/levers.md); none is "
              "changed here."]
    return "\n".join(lines) + "\n"


# --- docs/levers.md ----------------------------------------------------------------------

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def levers_markdown() -> str:
    """Return the text of ``docs/levers.md``: one table row per registry entry."""
    counts = {group: len(registry.group(group)) for group in Group}
    lines = [
        "# Levers, exogenous inputs and parameters",
        "",
        f"<!-- GENERATED from model/inputs/registry.py by `{REGENERATE}`: do not edit by hand. -->",
        "",
        f"Every input of the model: {counts[Group.LEVER]} levers, "
        f"{counts[Group.EXOGENOUS]} exogenous inputs and {counts[Group.PARAMETER]} parameters. "
        "Scenario files (see [scenarios.md](scenarios.md)) set levers and exogenous inputs "
        "under `[levers]` and `[exogenous]` as dated timelines, and parameters under "
        "`[parameters]`; `--set NAME=VALUE` overrides any of them on the command line; "
        "`python run.py levers` prints this table in the terminal. Values outside the bounds "
        "are refused.",
        "",
        "For a lever or exogenous input, *Default or history* is its dated history (each value "
        "holds from its month until the next; the last holds to the end of the run), which is "
        "also [`scenarios/baseline.toml`](../scenarios/baseline.toml), with one source per "
        "value. Sources: a URL is where the figure was read; *derived:* marks arithmetic on "
        "such figures; *assumption:* marks a choice with no measured figure behind it.",
        "",
        "| Name | Group | Symbol | Unit | Bounds | Default or history | Description | Source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for quantity in registry.ALL:
        if quantity.time_varying:
            source = "<br>".join(f"{p.month}: {_cell(p.source)}" for p in quantity.history)
        else:
            source = _cell(quantity.source)
        kind = f"{quantity.group} (whole number)" if quantity.dtype == "int" else quantity.group
        lines.append("| " + " | ".join([
            f"`{quantity.name}`", str(kind), f"`{quantity.symbol}`" if quantity.symbol else "",
            _cell(quantity.unit), bounds_text(quantity), value_text(quantity, "<br>"),
            _cell(quantity.description), source]) + " |")
    lines += _priors_section()
    lines += _projection_uncertainty_section()
    return "\n".join(lines) + "\n"


def _priors_section() -> list[str]:
    """Return the table of calibration priors (the parameters fitted to the waves)."""
    calibrated = [q for q in registry.PARAMETERS if q.calibrated]
    lines = [
        "",
        "## Calibration priors",
        "",
        f"`python run.py calibrate` fits these {len(calibrated)} parameters to the Chatham "
        "House waves, each with a uniform prior over the range below; every other parameter "
        "stays at its default. The same ranges are the plausible ranges of the sensitivity "
        "analysis. Method and results: [calibration.md](calibration.md).",
        "",
        "| Name | Symbol | Default | Prior (uniform) | Why this range |",
        "|---|---|---|---|---|",
    ]
    for quantity in calibrated:
        low, high = quantity.prior
        lines.append(f"| `{quantity.name}` | `{quantity.symbol}` | {number(quantity.default)} "
                     f"| {number(low)} to {number(high)} | {_cell(quantity.prior_source)} |")
    return lines


def _projection_uncertainty_section() -> list[str]:
    """Return the tables of what ``run`` samples besides the posterior: futures, assumptions."""
    futures = [q for q in registry.EXOGENOUS if q.future is not None]
    held = [q for q in registry.PARAMETERS if q.held]
    lines = [
        "",
        "## Uncertainty in projections",
        "",
        f"`python run.py run` (`--futures sampled`, the default) multiplies each of these "
        f"exogenous paths from {registry.FUTURE_START} by a straight line from 1 to a factor "
        "drawn uniformly from the range below, reached in the run's last month (and kept "
        "within the bounds); the same future applies to every scenario of a comparison.",
        "",
        "| Name | Factor by the run's end | Why this range |",
        "|---|---|---|",
    ]
    for quantity in futures:
        low, high = quantity.future
        lines.append(f"| `{quantity.name}` | {number(low)} to {number(high)} | "
                     f"{_cell(quantity.future_source)} |")
    lines += [
        "",
        "With `--assumptions sampled` (the default) every parameter that is not calibrated is "
        "drawn uniformly from its prior (the *Prior* ranges in the table above are the "
        "documented ranges: `python run.py levers NAME` prints one), except those a variant "
        "fits or switches off and these, held at their defaults:",
        "",
        "| Name | Why it is held |",
        "|---|---|",
        *(f"| `{q.name}` | {_cell(q.held)} |" for q in held),
    ]
    return lines


# --- writing and checking ----------------------------------------------------------------

def generated_files() -> dict[Path, str]:
    """Return every generated file (path relative to the project root) and its text."""
    return {LEVERS_MD: levers_markdown(), BASELINE_TOML: baseline_toml()}


def stale_files(root: Path | None = None) -> list[Path]:
    """Return the generated files under ``root`` (the project) that are missing or stale."""
    root = root or ROOT
    return [path for path, text in generated_files().items()
            if not (root / path).is_file()
            or (root / path).read_text(encoding="utf-8") != text]


def write_generated_files(root: Path | None = None) -> list[Path]:
    """Write every generated file under ``root`` (the project); return those that changed."""
    root = root or ROOT
    changed = stale_files(root)
    for path, text in generated_files().items():
        if path in changed:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(target.suffix + ".tmp")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(target)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` only check) the generated files; return the exit status."""
    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a generated file is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"out of date: {path} (run `{REGENERATE}`)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_generated_files():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
