"""``python run.py levers``: the registry of levers, exogenous inputs and parameters."""

from __future__ import annotations

import argparse
import textwrap

from ..docs import GROUP_TITLES, bounds_text, number, value_text
from ..inputs import registry
from ..inputs.errors import MISSING, InputError
from ..inputs.registry import Group, Quantity

NAME = "levers"
HELP = "List every lever, exogenous input and parameter (name, unit, bounds, value)."
ORDER = 50
_UNIT_WIDTH = 44
_WIDTH = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="show these entries in full: description, source, dated history")
    parser.add_argument("--group", choices=[str(g) for g in Group],
                        help="list only one group")


def main(args: argparse.Namespace) -> int:
    """Print the table, or the named entries in full."""
    if args.names:
        print("\n\n".join(detail(_quantity(name)) for name in args.names))
    else:
        groups = [Group(args.group)] if args.group else list(Group)
        print("\n\n".join(table(group) for group in groups))
    return 0


def _quantity(name: str) -> Quantity:
    try:
        return registry.get(name)
    except KeyError as error:
        raise InputError(NAME, name, MISSING, error.args[0]) from None


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def _value(quantity: Quantity) -> str:
    """Return a parameter's default, or a timeline's latest value and when it started."""
    if not quantity.time_varying:
        return value_text(quantity)
    last = quantity.history[-1]
    changes = len(quantity.history) - 1
    return f"{number(last.value)} from {last.month}" + (f" ({changes} earlier)" if changes else "")


def table(group: Group) -> str:
    """Return one group as an aligned text table."""
    quantities = registry.group(group)
    value_title = "LATEST VALUE" if group is not Group.PARAMETER else "DEFAULT"
    rows = [("NAME", "UNIT", "BOUNDS", value_title)]
    rows += [(q.name, _short(q.unit, _UNIT_WIDTH), bounds_text(q), _value(q))
             for q in quantities]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{GROUP_TITLES[group]} ({len(quantities)})"]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
              + "  " + row[3] for row in rows]
    lines.append("Details: python run.py levers NAME   (all of it: docs/levers.md)")
    return "\n".join(lines)


def detail(quantity: Quantity) -> str:
    """Return everything the registry holds about one entry."""
    def wrapped(label: str, text: str) -> list[str]:
        return textwrap.wrap(text, _WIDTH, initial_indent=f"  {label:<12}",
                             subsequent_indent=" " * 14, break_long_words=False,
                             break_on_hyphens=False)

    kind = f"{quantity.group}, whole number" if quantity.dtype == "int" else str(quantity.group)
    lines = [f"{quantity.name} ({kind}" + (f", symbol {quantity.symbol})" if quantity.symbol
                                            else ")")]
    lines += wrapped("meaning", quantity.description)
    lines += wrapped("unit", quantity.unit)
    lines += wrapped("bounds", bounds_text(quantity))
    if quantity.time_varying:
        lines.append("  history     (each value holds until the next; the last to the end)")
        for point in quantity.history:
            lines += wrapped(point.month, f"{number(point.value)}: {point.source}")
    else:
        lines += wrapped("default", number(quantity.default))
        lines += wrapped("source", quantity.source)
    return "\n".join(lines)
