"""The model code version: a hash of the code that determines numbers, and of nothing else.

It is part of every run's id, so it must change with a mechanism or an input definition
(old results would no longer be what the code computes) and must not change with code that
only presents results (finished runs stay reusable). Each test edits a copy of the package.
"""

import shutil
from pathlib import Path

import pytest

from model.runs.execution import PACKAGE, code_version


def version(package: Path) -> str:
    return code_version.__wrapped__(package)  # bypass the cache: the copy changes under it


@pytest.fixture
def package(tmp_path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def edit(path: Path, line: str = "EDITED_IN_A_TEST = True") -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_a_copy_of_the_package_has_the_package_version(package):
    assert version(package) == code_version()


@pytest.mark.parametrize("presentation", [
    "figures/plots.py", "figures/calibration.py", "app/page.py", "app/charts.py",
    "oracle/reference.py", "commands/run.py", "runs/outputs.py", "docs.py"])
def test_editing_what_only_presents_numbers_keeps_the_version(package, presentation):
    before = version(package)
    edit(package / presentation)
    assert version(package) == before


@pytest.mark.parametrize("numeric", [
    "core/mechanisms/grievance.py", "core/engine.py", "core/population.py",
    "inputs/registry.py", "inputs/timeline.py"])
def test_editing_a_mechanism_or_an_input_definition_changes_the_version(package, numeric):
    before = version(package)
    edit(package / numeric)
    assert version(package) != before


def test_a_new_mechanism_module_changes_the_version(package):
    before = version(package)
    (package / "core" / "mechanisms" / "contact_abroad.py").write_text("RATE = 0.1\n")
    assert version(package) != before
