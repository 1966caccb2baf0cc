"""``provision cleanup`` as one core call: discover, select, and destroy what was selected.

Each selected environment is read again right before its teardown and judged by the same
criteria (``destroy_discovered``'s ``recheck``): the selection comes from one listing of the whole
subscription, and an environment extended, or re-created, while the sweep runs must be kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from provisioner.arm.retry import DEFAULT_POLICY, RetryPolicy, retrying_call
from provisioner.arm.target import Target
from provisioner.envs.cleanup import CleanupReport, EnvOutcome, run_cleanup
from provisioner.envs.destroy import destroyer_for
from provisioner.envs.discovery import discover_environments
from provisioner.envs.selection import Criteria, decide, select


def sweep(
    target: Target,
    criteria: Criteria,
    now: datetime,
    *,
    dry_run: bool,
    max_parallel: int = 4,
    graph_client: Any | None = None,
    on_done: Callable[[EnvOutcome], None] | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> CleanupReport:
    """Discover every environment, select by ``criteria`` at ``now``, destroy (unless
    ``dry_run``) at most ``max_parallel`` at once. Raises only when discovery fails."""
    environments = discover_environments(
        target, graph_client=graph_client, call=retrying_call(target, policy)
    )
    return run_cleanup(
        select(environments, criteria, now),
        destroyer_for(target, policy, recheck=lambda env: decide(env, criteria, now)),
        target=target.label,
        now=now,
        criteria=criteria,
        dry_run=dry_run,
        max_parallel=max_parallel,
        on_done=on_done,
    )
