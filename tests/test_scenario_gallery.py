"""The gallery of bad scenario files: each must fail with a message that says where and why.

Each file in ``scenario_gallery/`` states what it gets wrong in its header comments:

* ``# expect: TEXT``: the error message must contain TEXT (key, value and what is allowed);
* ``# <- error`` at the end of a line marks the line the message must point to;
* ``# expect-file: NAME``: the error is reported in another gallery file (a base file), at
  the line marked there.

A message must then start with ``FILE:LINE: `` (or ``FILE: `` when no line is marked).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from model.inputs.scenario import ScenarioError
from model.inputs.scenario_files import load_scenario

GALLERY = Path(__file__).parent / "scenario_gallery"
ROOT = Path(__file__).parent.parent
BAD_FILES = sorted(GALLERY.glob("*.toml"))


def expectations(path: Path) -> tuple[Path, int | None, list[str]]:
    """Return (file the error is in, its marked line or None, expected fragments)."""
    text = path.read_text(encoding="utf-8")
    fragments = re.findall(r"^# expect: (.+)$", text, flags=re.MULTILINE)
    other = re.search(r"^# expect-file: (.+)$", text, flags=re.MULTILINE)
    where = GALLERY / other[1] if other else path
    marked = [number for number, line in
              enumerate(where.read_text(encoding="utf-8").splitlines(), start=1)
              if line.rstrip().endswith("# <- error")]
    assert len(marked) <= 1, f"{where.name} marks more than one line"
    return where, (marked[0] if marked else None), fragments


def test_the_gallery_covers_every_kind_of_mistake():
    names = {path.stem for path in BAD_FILES}
    for kind in ("syntax", "unknown_top_key", "unknown_section", "unknown_lever",
                 "wrong_type", "out_of_bounds", "date_not_month", "date_after_end",
                 "timeline_out_of_order", "extends_missing", "extends_circular", "empty"):
        assert any(name.startswith(kind) for name in names), kind


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_file_is_refused_with_file_line_key_value_and_rule(path):
    where, line, fragments = expectations(path)
    assert fragments, f"{path.name} states no expected message"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    prefix = f"{where}:{line}: " if line else f"{where}: "
    assert message.startswith(prefix), (message, prefix)
    assert caught.value.line == line
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_a_missing_file_is_named():
    path = GALLERY / "not_there.toml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}: file: no such scenario file (looked for ")


def test_a_directory_is_not_a_scenario():
    with pytest.raises(ScenarioError, match="a scenario file, not a directory"):
        load_scenario(GALLERY)


def test_the_cli_prints_the_error_on_stderr_and_exits_2(tmp_path):
    bad = GALLERY / "unknown_lever.toml"
    done = subprocess.run([sys.executable, "run.py", "describe", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{bad}:6: levers.visa_fe_eur" in done.stderr
    assert "did you mean 'visa_fee_eur'?" in done.stderr


def test_the_cli_refuses_a_bad_override_with_exit_2():
    done = subprocess.run([sys.executable, "run.py", "describe", "scenarios/baseline.toml",
                           "--set", "visa_fee_eur@2026-01=900"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    assert ("--set: visa_fee_eur@2026-01 = 900: must lie in [0, 200] (EUR per Schengen visa)"
            in done.stderr)
