"""The dependency graph of a desired state: creation order, parallel levels, teardown order.

``DesiredResource.depends_on`` holds the keys a resource needs to exist first (its resource
group, the subnet its NIC sits in, the load balancer whose pool it joins…). The executor creates
level by level, everything in one level in parallel, and deletes in the reverse order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from provisioner.compile.desired import DesiredResource, DesiredState


class DependencyCycle(ValueError):
    """The compiler produced a cycle or a dangling dependency: an internal bug, not user input."""


def _levels(resources: Mapping[str, DesiredResource]) -> list[list[str]]:
    remaining = {key: set(res.depends_on) for key, res in resources.items()}
    for key, deps in remaining.items():
        # Not ``deps - resources.keys()``: that copies every key, per resource (quadratic).
        missing = {dep for dep in deps if dep not in resources}
        if missing:
            raise DependencyCycle(f"{key} depends on unknown {sorted(missing)}")
    levels: list[list[str]] = []
    done: set[str] = set()
    while remaining:
        # Keep the input order inside a level: stable output for stable input.
        ready = [key for key, deps in remaining.items() if deps <= done]
        if not ready:
            raise DependencyCycle(f"dependency cycle among {sorted(remaining)}")
        levels.append(ready)
        done.update(ready)
        for key in ready:
            del remaining[key]
    return levels


def topological_sort(resources: Iterable[DesiredResource]) -> dict[str, DesiredResource]:
    """Resources keyed by key, dependencies first (the order ``DesiredState.resources`` has)."""
    by_key = {res.key: res for res in resources}
    return {key: by_key[key] for level in _levels(by_key) for key in level}


def topological_levels(state: DesiredState) -> list[list[str]]:
    """Keys grouped in levels: every dependency of a level lies in an earlier level, so the
    resources of one level can be created in parallel."""
    return _levels(state.resources)


def reverse_levels(state: DesiredState) -> list[list[str]]:
    """Teardown levels: dependents before what they depend on, each level deletable in parallel."""
    return [list(reversed(level)) for level in reversed(_levels(state.resources))]


def reverse_order(state: DesiredState) -> list[DesiredResource]:
    """Resources in teardown order: every resource before anything it depends on."""
    return [state.resources[key] for level in reverse_levels(state) for key in level]
