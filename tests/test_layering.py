"""The library's layering: shared code never imports a paper's folder (only the registry), and the paper folders are the
registry's."""

from __future__ import annotations

import ast
from pathlib import Path

from dynsr.papers import PAPERS
from dynsr.paths import repo_root

LIBRARY = repo_root() / "lib" / "dynsr"
SHARED_PAPER_MODULES = {"dynsr.papers", "dynsr.papers.spec", "dynsr.papers.records"}


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules |= {f"dynsr.papers.{alias.name}" for alias in node.names if node.module == "dynsr.papers" and alias.name in PAPERS}
    return modules


def test_no_shared_module_imports_a_paper_folder() -> None:
    offenders = []
    for path in sorted(LIBRARY.rglob("*.py")):
        if (LIBRARY / "papers") in path.parents and path.parent != LIBRARY / "papers":
            continue  # inside a paper's folder
        for module in _imported_modules(path):
            if module.startswith("dynsr.papers.") and module not in SHARED_PAPER_MODULES:
                offenders.append(f"{path.relative_to(LIBRARY)} imports {module}")
    allowed_registry = [line for line in offenders if line.startswith("papers/__init__.py")]
    assert sorted(set(offenders) - set(allowed_registry)) == []


def test_a_paper_folder_imports_no_other_paper() -> None:
    for name in PAPERS:
        for path in sorted((LIBRARY / "papers" / name).rglob("*.py")):
            others = {module for module in _imported_modules(path) if module.startswith("dynsr.papers.")
                      and module.split(".")[2] in PAPERS and module.split(".")[2] != name}
            assert not others, f"papers/{name}/{path.name} imports {sorted(others)}"


def test_every_paper_folder_is_registered_with_its_notebooks_and_results() -> None:
    folders = {path.name for path in (LIBRARY / "papers").iterdir() if path.is_dir() and (path / "__init__.py").is_file()}
    assert folders == set(PAPERS)
    notebooks = {path.name for path in (repo_root() / "notebooks").iterdir() if path.is_dir()}
    assert notebooks <= set(PAPERS) | {"baselines"}
