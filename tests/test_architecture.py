"""The checkable rules of ARCHITECTURE.md: who imports whom, unique module names, the rooms."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "virnucpro"
TELEMETRY = ROOT / "virnucpro_telemetry" / "src" / "virnucpro_telemetry"
DOMAIN_PACKAGES = ("sequence", "embedding", "classification", "results", "report", "training")
REPEATABLE = {"__init__.py", "stages.py"}  # the same role in every package that has one


def _imported(path: Path) -> set[str]:
    """Every module an ``import`` of ``path`` names, at any depth (inside functions too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _importers(folder: Path, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """The modules under ``folder`` that import one of ``forbidden`` (or a module below it)."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        hits = sorted(name for name in _imported(path)
                      if any(name == top or name.startswith(top + ".") for top in forbidden))
        if hits:
            found[str(path.relative_to(folder.parent))] = hits
    return found


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_domain_packages_never_import_pipeline_commands_or_cli(package):
    forbidden = ("virnucpro.pipeline", "virnucpro.commands", "virnucpro.cli")
    assert _importers(PACKAGE / package, forbidden) == {}


def test_the_report_never_imports_torch():
    assert _importers(PACKAGE / "report", ("torch", "transformers", "esm")) == {}


def test_importing_the_report_loads_no_torch():
    code = "import sys, virnucpro.report; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_the_telemetry_library_never_imports_virnucpro_torch_or_numpy():
    assert _importers(TELEMETRY, ("virnucpro", "torch", "numpy")) == {}


def test_module_basenames_are_unique_across_the_package():
    names = Counter(path.name for path in PACKAGE.rglob("*.py") if path.name not in REPEATABLE)
    assert [name for name, count in names.items() if count > 1] == []


def test_no_module_is_named_like_its_package():
    alike = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
             if path.stem == path.parent.name]
    assert alike == []


def test_the_pipeline_root_holds_the_definitions_and_the_rooms_only():
    pipeline = PACKAGE / "pipeline"
    assert sorted(path.name for path in pipeline.glob("*.py")) == ["__init__.py", "definitions.py"]
    rooms = sorted(path.name for path in pipeline.iterdir() if (path / "__init__.py").is_file())
    assert rooms == ["distribution", "engine", "folder", "models"]
