"""The house's arrows point one way: each package imports only the layers below it.

Read from the source (every ``import``, including those inside functions), so a lazy import
that breaks the layering is caught as surely as a top-level one.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "provisioner"

#: What each package may import from the rest of provisioner.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "blueprint": {"errors"},
    "rules": {"blueprint", "errors"},
    "compile": {"blueprint", "errors"},
    "arm": {"compile", "errors", "localcloud"},
    "plan": {"arm", "compile", "blueprint", "errors"},
    "guest": {"arm", "compile", "plan", "errors"},
    "apply": {"arm", "blueprint", "compile", "errors", "guest", "plan", "rules"},
    "envs": {"apply", "arm", "compile", "errors", "plan"},
    # The pytest plugin: a second way in beside cli (pytest, not a terminal). It calls the core
    # functions the commands call and starts the local cloud for its fixtures, as arm/target.py
    # does for the commands; it renders nothing (no rich, no typer).
    "testing": {"apply", "arm", "compile", "envs", "errors", "localcloud"},
    "localcloud": set(),
}


def _imports(path: Path) -> list[str]:
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from a.b import c`` imports a.b.c when c is a module: count both spellings.
            out += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names]
    return out


def _package(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return parts[0] if len(parts) > 1 else parts[0]


def _package_imports() -> dict[str, dict[str, set[str]]]:
    """package → imported package → the files that import it."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in ROOT.rglob("*.py"):
        pkg = _package(path)
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] == "provisioner" and len(parts) > 1 and parts[1] != pkg:
                found[pkg][parts[1]].add(str(path.relative_to(ROOT)))
    return found


#: The top: may use everything.
TOP = {"cli", "__main__", "__init__"}


def test_every_package_has_a_place_in_the_layers():
    packages = {_package(p) for p in ROOT.rglob("*.py")}
    assert packages - TOP <= set(ALLOWED), "add the new package to ALLOWED"


def test_every_package_imports_only_the_layers_below_it():
    bad = []
    for pkg, imported in _package_imports().items():
        if pkg in TOP:
            continue
        for dep, files in imported.items():
            if dep not in ALLOWED[pkg]:
                bad.append(f"{pkg} → {dep} ({', '.join(sorted(files))})")
    assert not bad, "\n".join(bad)


def test_only_the_target_starts_the_local_cloud():
    users = _package_imports()["arm"].get("localcloud", set())
    assert users <= {"arm/target.py"}


def test_rules_and_compile_take_no_client():
    """They may build SDK model bodies, never hold a client or reach the cloud."""
    for pkg in ("rules", "compile", "blueprint"):
        for path in (ROOT / pkg).rglob("*.py"):
            azure = [m for m in _imports(path) if m.startswith("azure")]
            if azure:
                assert any(m.endswith(".models") for m in azure), f"{path.relative_to(ROOT)}"
                assert not any("Client" in m for m in azure), f"{path.relative_to(ROOT)}"
