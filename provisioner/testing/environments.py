"""A blueprint brought up for a test and torn down after it, whatever the test did.

:func:`provision_environment` is what the ``provisioned`` fixture enters for each blueprint; it
works on any :class:`~provisioner.arm.target.Target` (the local cloud or Azure) and is public so
that a module- or session-scoped fixture of your own can use it too. It runs the same core
functions as ``provision up`` and ``provision down`` (``apply.up.bring_up``,
``envs.destroy.down_environment``): an ``up`` that fails half-way is torn down as surely as a
test that fails, and a teardown that leaves something is an error, never silence.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisioner.compile.tags import is_env_name
from provisioner.errors import UserInputError

if TYPE_CHECKING:
    from provisioner.apply.up import UpReport
    from provisioner.arm.target import Target
    from provisioner.compile.desired import MappingRow
    from provisioner.envs.teardown import TeardownReport


class UpFailed(AssertionError):
    """``up`` did not finish: Azure refused a write, or a guest step failed."""

    def __init__(self, env: str, report: UpReport) -> None:
        self.env, self.report = env, report
        if report.failure is not None:
            why = str(report.failure)
        else:
            why = "; ".join(f"guest {r.vm}: {r.detail}" for r in report.guest_failures)
        super().__init__(f"provision up of environment {env!r} failed: {why}")


class TeardownIncomplete(AssertionError):
    """``down`` left resources behind (each with the reason it had to stay)."""

    def __init__(self, env: str, report: TeardownReport) -> None:
        self.env, self.report = env, report
        left = "; ".join(f"{x.id}: {x.reason}" for x in report.left) or "the guest removal failed"
        super().__init__(f"provision down of environment {env!r} left resources: {left}")


@dataclass(frozen=True)
class Environment:
    """An environment that is up: its name, where it is, its mapping and its addresses."""

    env: str
    target: str
    blueprint: str
    mapping: tuple[MappingRow, ...]
    report: UpReport

    @property
    def addresses(self) -> dict[str, str]:
        """Each frontend's IP address, keyed ``"LB/FRONTEND"``, and ``"FRONTEND"`` too when no
        other load balancer has a frontend of that name (the action's ``ip-*`` outputs)."""
        qualified = {f"{r.load_balancer}/{r.frontend}": r.frontend_ip for r in self.mapping}
        by_name: dict[str, set[str]] = {}
        for r in self.mapping:
            by_name.setdefault(r.frontend, set()).add(r.load_balancer)
        short = {
            name: qualified[f"{lbs.pop()}/{name}"] for name, lbs in by_name.items() if len(lbs) == 1
        }
        return qualified | short

    @property
    def backend_ips(self) -> dict[str, str]:
        """Each backend VM's private address (its NIC's), by blueprint VM name."""
        return {
            vm: ip for r in self.mapping for vm, ip in zip(r.backends, r.backend_ips, strict=False)
        }


@contextmanager
def provision_environment(
    target: Target,
    blueprint: str | os.PathLike[str],
    *,
    env: str | None = None,
    ttl: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> Iterator[Environment]:
    """Bring ``blueprint`` up as ``env`` on ``target``, yield it, then tear it down.

    A blueprint that does not validate raises ``BlueprintInvalid`` before anything is created.
    An ``up`` that fails raises :class:`UpFailed` after the teardown of what it did create;
    a teardown that leaves something raises :class:`TeardownIncomplete`.
    """
    from provisioner.apply.lifecycle import load_and_validate
    from provisioner.apply.up import bring_up
    from provisioner.envs.destroy import down_environment

    loaded = load_and_validate(blueprint)
    name = env or loaded.blueprint.name
    if not is_env_name(name):
        raise UserInputError(f"{name!r} is not a valid environment name (1-40 of a-z, 0-9, '-')")
    try:
        report = bring_up(target, loaded, name, ttl=ttl, extra_tags=dict(tags or {}))
        if not report.ok:
            raise UpFailed(name, report)
        yield Environment(name, target.label, str(blueprint), report.mapping, report)
    finally:
        torn = down_environment(target, name, loaded)
        if not torn.ok:
            raise TeardownIncomplete(name, torn)
