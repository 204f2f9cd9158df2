"""The shipped CSV files, read cell by cell so that a damaged one is refused precisely.

``model/data/posterior.csv`` and ``model/data/chatham_house_waves.csv`` are inputs like a
scenario file: someone may edit, truncate or regenerate them. :class:`CsvTable` reads one as
text and checks its header (no unknown, missing or repeated column); its methods read a cell
as a number or a month and raise :class:`InputError` naming the file, the line, the row and
the column, the value and what is allowed. Nothing is read lazily, so a command that loads
a table has checked all of it before it writes anything.
"""

from __future__ import annotations

import csv
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .calendar import days_in_month, parse_month
from .checks import is_finite
from .errors import MISSING, InputError

#: A shipped table is kilobytes; this much is a wrong file.
MAX_TABLE_BYTES = 50_000_000


@dataclass(frozen=True)
class Cell:
    """Where a value stands in a table: its row (1 = first after the header) and column."""

    table: CsvTable
    row: int
    column: str

    @property
    def text(self) -> str:
        """The cell as written, without surrounding spaces."""
        return self.table.rows[self.row - 1][self.column].strip()

    def error(self, value: object, allowed: str) -> InputError:
        """Return the error about this cell: ``FILE:LINE: row R, column C = VALUE: ALLOWED``."""
        return InputError(self.table.source, f"row {self.row}, column {self.column}", value,
                          allowed, line=self.table.lines[self.row - 1])

    def value(self, *, empty_ok: bool = False) -> float | None:
        """Return the cell as a finite number (None if it is empty and that is allowed).

        Raises:
            InputError: for text, an empty cell (unless ``empty_ok``), nan or inf.
        """
        text = self.text
        allowed = "a finite number" + (", or empty" if empty_ok else "")
        if not text:
            if empty_ok:
                return None
            raise self.error(MISSING, f"{allowed}; the cell is empty")
        try:
            value = float(text)
        except ValueError:
            raise self.error(text, allowed) from None
        if not is_finite(value):
            raise self.error(value, allowed)
        return value

    def number(self, low: float, high: float, *, empty_ok: bool = False,
               what: str = "a number") -> float | None:
        """Return the cell as a finite number from ``low`` to ``high`` (None if empty and allowed).

        Raises:
            InputError: for text, an empty cell (unless ``empty_ok``), nan, inf or a value
                out of range.
        """
        value = self.value(empty_ok=empty_ok)
        if value is not None and not low <= value <= high:
            raise self.error(value, f"{what} from {low:g} to {high:g}"
                                    + (", or empty" if empty_ok else ""))
        return value

    def whole(self, low: int, high: int, *, empty_ok: bool = False) -> int | None:
        """Return the cell as a whole number from ``low`` to ``high`` (None if empty and allowed).

        ``899`` and ``899.0`` are the same count (pandas writes whole floats that way).
        """
        value = self.number(low, high, empty_ok=empty_ok, what="a whole number")
        if value is not None and value != int(value):
            raise self.error(value, f"a whole number from {low:,} to {high:,}")
        return None if value is None else int(value)

    def month(self) -> str:
        """Return the cell as ``YYYY-MM``: a month, or a day ``YYYY-MM-DD`` of that month.

        Raises:
            InputError: for anything else.
        """
        text = self.text
        day = text[8:]
        try:
            parse_month(text[:7])
            if len(text) > 7 and not (text[7] == "-" and len(day) == 2 and day.isascii()
                                      and day.isdigit()
                                      and 1 <= int(day) <= days_in_month(text[:7])):
                raise ValueError(text)
        except ValueError:
            raise self.error(text, 'a month "YYYY-MM" or a day "YYYY-MM-DD"') from None
        return text[:7]


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as text: its header and its rows, by column name.

    Attributes:
        source: the file, as messages name it.
        rows: each data row as ``{column: text}`` (blank lines are not rows).
        lines: the line of each row in the file.
    """

    source: str
    rows: tuple[dict[str, str], ...]
    lines: tuple[int, ...]

    @classmethod
    def read(cls, path: str | Path, columns: Sequence[str], what: str) -> CsvTable:
        """Read ``path``, which must have exactly ``columns`` (in any order) and a data row.

        Args:
            path: the CSV file (UTF-8, a byte-order mark allowed).
            columns: every column the file must have, and the only ones it may have.
            what: what the file is, for messages ("the calibration posterior").

        Raises:
            InputError: naming the file, and the column or line that is wrong.
        """
        path = Path(path)
        source = str(path)
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):  # a FIFO would be waited on forever
                raise InputError(source, "file", MISSING, f"{what}, a regular CSV file")
            if info.st_size > MAX_TABLE_BYTES:
                raise InputError(source, "file", MISSING,
                                 f"{what}, a CSV file of at most {MAX_TABLE_BYTES:,} bytes")
            with open(path, encoding="utf-8-sig", newline="") as handle:
                lines = list(csv.reader(handle, strict=True))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise InputError(source, "file", MISSING,
                             f"{what}, a readable UTF-8 CSV file ({reason})") from None
        if not lines:
            raise InputError(source, "file", MISSING, f"{what}: the file is empty")
        header = [name.strip() for name in lines[0]]
        for name in header:
            if name not in columns:
                raise InputError(source, "header", name,
                                 f"{what} has the columns {', '.join(columns)}; "
                                 f"{name!r} is not one of them", line=1)
            if header.count(name) > 1:
                raise InputError(source, "header", name, "each column once", line=1)
        missing = [name for name in columns if name not in header]
        if missing:
            raise InputError(source, "header", MISSING,
                             f"{what} has the columns {', '.join(columns)}; "
                             f"{', '.join(repr(m) for m in missing)} missing", line=1)
        rows, numbers = [], []
        for number, cells in enumerate(lines[1:], start=2):
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as a trailing newline leaves
            if len(cells) != len(header):
                raise InputError(source, f"row {len(rows) + 1}", MISSING,
                                 f"{len(header)} cells, as in the header; this row has "
                                 f"{len(cells)}", line=number)
            rows.append(dict(zip(header, cells, strict=True)))
            numbers.append(number)
        if not rows:
            raise InputError(source, "file", MISSING, f"{what}: the header has no rows under it")
        return cls(source, tuple(rows), tuple(numbers))

    def cells(self, column: str) -> Iterator[Cell]:
        """Yield every cell of ``column``, first row first."""
        for row in range(1, len(self.rows) + 1):
            yield Cell(self, row, column)

    def cell(self, row: int, column: str) -> Cell:
        """Return one cell (``row`` 1 is the first after the header)."""
        return Cell(self, row, column)
