"""``python run.py describe SCENARIO.toml``: the resolved scenario, every timeline in full."""

from __future__ import annotations

import argparse
import textwrap

from ..docs import number
from ..inputs import registry
from ..inputs.calendar import parse_month
from ..inputs.overrides import apply_overrides
from ..inputs.registry import Group
from ..inputs.scenario import Scenario
from ..inputs.scenario_files import (
    dumps_scenario,
    load_scenario,
    scenario_file_chain,
    scenario_to_dict,
)
from ..inputs.timeline import TimelinePoint
from ._options import add_set_option

NAME = "describe"
HELP = "Validate a scenario file and print it resolved: run settings and every timeline."
ORDER = 40
_WIDTH = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    parser.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    add_set_option(parser, " in the scenario")
    parser.add_argument("--toml", action="store_true",
                        help="print the resolved scenario as TOML (loadable as a file) instead")


def main(args: argparse.Namespace) -> int:
    """Load, validate and print the scenario."""
    scenario = apply_overrides(load_scenario(args.scenario), args.overrides)
    if args.toml:
        print(dumps_scenario(scenario_to_dict(scenario)), end="")
    else:
        print(describe(scenario))
    return 0


def _point_lines(scenario: Scenario, name: str) -> list[str]:
    history = {(p.month, float(p.value)) for p in registry.get(name).history}
    end = parse_month(scenario.end)
    lines = []
    for point in scenario.timeline(name):
        how = "ramp to" if point.ramp else "        "
        mark = " " if (point.month, float(point.value)) in history and not point.ramp else "*"
        late = "   (after the run's end: not reached)" if parse_month(point.month) > end else ""
        lines.append(f"    {mark} {point.month}  {how} {number(point.value)}{late}")
    return lines


def _changed(scenario: Scenario, name: str) -> bool:
    history = tuple(TimelinePoint(p.month, p.value, p.ramp) for p in registry.get(name).history)
    return scenario.timeline(name) != history


def describe(scenario: Scenario) -> str:
    """Return the resolved scenario as text: settings, description, every timeline."""
    lines = [f"Scenario  {scenario.name}"]
    if scenario.path:
        chain = scenario_file_chain(scenario.path)[1:]
        lines.append(f"File      {scenario.path}"
                     + "".join(f"\n          extends {p}" for p in chain))
    lines.append(f"Run       {scenario.start} to {scenario.end} ({scenario.n_months} months), "
                 f"{scenario.citizens:,} citizens, {scenario.seeds} seeds")
    if scenario.description:
        lines.append("")
        for paragraph in scenario.description.split("\n\n"):
            lines += textwrap.wrap(" ".join(paragraph.split()), _WIDTH, initial_indent="  ",
                                   subsequent_indent="  ")
            lines.append("")
        lines.pop()
    for group, title in ((Group.LEVER, "Levers"), (Group.EXOGENOUS, "Exogenous inputs")):
        names = registry.names(group)
        changed = [n for n in names if _changed(scenario, n)]
        lines += ["", f"{title} ({len(changed)} of {len(names)} differ from the registry "
                      "history; * marks a value the scenario sets)"]
        for name in names:
            quantity = registry.get(name)
            flag = "changed" if name in changed else "history"
            lines.append(f"  {name}  [{quantity.unit}]  ({flag})")
            lines += _point_lines(scenario, name)
    lines += ["", "Parameters (changed from the registry default)"]
    parameters = scenario.resolved_parameters()
    changed = [q for q in registry.group(Group.PARAMETER) if parameters[q.name] != q.default]
    lines += [f"  {q.name} = {number(parameters[q.name])}  (default {number(q.default)}, "
              f"{q.unit})" for q in changed] or ["  none: every parameter at its default"]
    return "\n".join(lines)
