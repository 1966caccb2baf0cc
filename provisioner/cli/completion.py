"""Shell completion: blueprint paths and environment names.

``provision --install-completion`` (typer's, for bash, zsh, fish and PowerShell) installs a
script that calls ``provision`` back with the words typed so far; these functions answer it.
A blueprint argument completes to directories and ``.yaml``/``.yml`` files; ``--env`` to the
environments that exist on the target the command line names so far (``--cloud``,
``--subscription``, ``--state`` typed before ``--env``; else the defaults, as the command itself
would choose). Completion must never print an error into someone's prompt: anything that goes
wrong (no state file yet, no sign-in, no network) completes to nothing.

Only the standard library is imported here: every command module imports this one, and
``provision --help`` must stay fast; the cloud is reached only when ``--env`` is completed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BLUEPRINT_SUFFIXES = (".yaml", ".yml")


def complete_blueprint(incomplete: str) -> list[str]:
    """Directories (with a trailing ``/``) and YAML files whose path starts with ``incomplete``;
    hidden entries only when the typed name starts with a dot."""
    cut = incomplete.rfind("/") + 1
    prefix, name = incomplete[:cut], incomplete[cut:]
    directory = Path(prefix).expanduser() if prefix else Path(".")
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        if not entry.name.startswith(name) or (entry.name[0] == "." and name[:1] != "."):
            continue
        try:
            if entry.is_dir():
                found.append(f"{prefix}{entry.name}/")
            elif entry.suffix.lower() in BLUEPRINT_SUFFIXES:
                found.append(f"{prefix}{entry.name}")
        except OSError:
            continue
    return found


def complete_env(ctx: Any, incomplete: str) -> list[str]:
    """The names of the environments on the command line's target that start with
    ``incomplete`` (``ctx.params`` holds what was typed so far)."""
    params = getattr(ctx, "params", None) or {}
    try:
        names = environment_names(
            params.get("cloud"), params.get("subscription"), params.get("state")
        )
    except Exception:  # completion never fails loudly: nothing to offer is the answer
        return []
    return [n for n in names if n.startswith(incomplete)]


def environment_names(cloud: str | None, subscription: str | None, state: Any) -> list[str]:
    """Every environment on the target, sorted. An absent local cloud state file has none
    (and is not created by asking)."""
    from provisioner.arm.target import open_target, resolve_cloud, state_path
    from provisioner.envs.discovery import discover_environments

    kind, _ = resolve_cloud(cloud, subscription)
    if kind == "local" and not state_path(state).is_file():
        return []
    target = open_target(cloud, subscription, state)
    try:
        return sorted({e.name for e in discover_environments(target)})
    finally:
        target.close()
