"""The core returns data; only the CLI draws on a terminal.

Every package outside ``provisioner.cli`` (and the self-contained local cloud) hands back plans,
reports and dataclasses; rich and typer belong to the command line. A core module that printed
with rich would write on the terminal of every test, benchmark and library caller, and would
make ``--output json`` a promise the CLI cannot keep alone.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "provisioner"

#: The command line (may render) and the fake ARM (imports nothing of the rest, tested on its own).
NOT_CORE = ("cli", "localcloud")
TERMINAL = ("rich", "typer", "click", "provisioner.cli")


def _core_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts
        if parts[1] in NOT_CORE or parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def _is_terminal(module: str) -> bool:
    return any(module == t or module.startswith(t + ".") for t in TERMINAL)


def test_no_core_module_names_rich_typer_or_the_cli_in_its_imports() -> None:
    offenders = {}
    for name in _core_modules():
        path = ROOT / Path(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        bad = [m for m in _imports(path) if _is_terminal(m)]
        if bad:
            offenders[name] = bad
    assert offenders == {}


def test_importing_every_core_module_loads_neither_rich_nor_typer() -> None:
    modules = _core_modules()
    assert "provisioner.apply.executor" in modules and "provisioner.envs.cleanup" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'typer'})))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == []
