"""`up` as a sequence (``apply/up.py``): it asks before writing, only when there is something to
write; an apply Azure refuses comes back with the plan; `plan` counts pending guest work.

Driven without the CLI, through the real SDK clients against a local cloud, as a library caller
or a benchmark would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from provisioner.apply import up as up_sequence
from provisioner.apply.events import Event
from provisioner.apply.lifecycle import desired_state, load_and_validate, run_guest
from provisioner.apply.up import bring_up, preview_up
from provisioner.errors import ApplyFailed

ROOT = Path(__file__).resolve().parents[2]
RULE2 = ROOT / "blueprints" / "rule-type-2-floating-ip.yaml"
ENV = "rule-type-2"
WRITES = {"PUT", "POST", "PATCH", "DELETE"}


@pytest.fixture
def cloud(tmp_path: Path):
    from provisioner.localcloud import LocalCloud

    lc = LocalCloud(state_path=tmp_path / "cloud.sqlite")
    lc.set_time_scale(0)
    yield lc
    lc.close()


@pytest.fixture
def target(cloud):
    from provisioner.arm.target import open_target

    t = open_target("local", local_cloud=cloud)
    yield t
    t.close()


def _writes(cloud) -> list[Any]:
    return [r for r in cloud.request_log() if r.method.upper() in WRITES]


class Asked:
    """A ``confirm`` callback that says yes and remembers the plans it was shown."""

    def __init__(self) -> None:
        self.plans: list[Any] = []

    def __call__(self, plan: Any) -> None:
        self.plans.append(plan)


def test_up_asks_once_with_the_changes_and_a_second_up_neither_asks_nor_writes(cloud, target):
    loaded = load_and_validate(RULE2)
    asked = Asked()

    first = bring_up(target, loaded, ENV, confirm=asked)

    assert first.ok and first.failure is None
    assert [p.has_changes for p in asked.plans] == [True]
    assert first.changed == sum(1 for c in first.plan.changes if c.action != "noop") > 0
    assert {r.vm for r in first.guest.results} == {"vm1", "vm2"}
    assert [r.rule for r in first.mapping] == ["green", "purple"]
    assert all(r.frontend_ip and r.backend_ips for r in first.mapping)
    assert set(first.timings) == {"plan", "apply", "guest", "total"}

    cloud.clear_request_log()
    again = bring_up(target, loaded, ENV, confirm=asked)

    assert again.ok and again.changed == 0 and not again.plan.has_changes
    assert len(asked.plans) == 1
    assert _writes(cloud) == []
    assert again.mapping == first.mapping


def test_a_refused_confirmation_stops_before_anything_is_written(cloud, target):
    class No(Exception):
        pass

    def refuse(plan: Any) -> None:
        raise No

    with pytest.raises(No):
        bring_up(target, load_and_validate(RULE2), ENV, confirm=refuse)
    assert _writes(cloud) == []


def test_progress_wraps_the_apply_and_hears_every_resource(target):
    seen: list[Event] = []
    opened: list[str] = []

    @contextmanager
    def progress() -> Iterator[Any]:
        opened.append("enter")
        yield seen.append
        opened.append("exit")

    report = bring_up(target, load_and_validate(RULE2), ENV, progress=progress)

    assert opened == ["enter", "exit"]
    done = {e.key for e in seen if e.state == "done"}
    assert done == {o.key for o in report.applied.outcomes if o.action != "noop"}


def test_an_apply_azure_refuses_comes_back_with_the_plan_and_no_guest_step(target, monkeypatch):
    refused = ApplyFailed("InvalidResourceReference", "no such subnet", "load_balancer/lb")

    def apply_plan(*_: Any, **__: Any) -> Any:
        raise refused

    def run_guest(*_: Any, **__: Any) -> Any:
        raise AssertionError("the guest step must not run after a failed apply")

    monkeypatch.setattr(up_sequence, "apply_plan", apply_plan)
    monkeypatch.setattr(up_sequence, "run_guest", run_guest)

    report = bring_up(target, load_and_validate(RULE2), ENV)

    assert report.failure is refused and not report.ok
    assert report.plan.has_changes and report.applied is None and report.guest is None


def test_plan_counts_a_guest_left_unconfigured_as_a_change(target):
    loaded = load_and_validate(RULE2)
    assert bring_up(target, loaded, ENV).ok
    assert not preview_up(target, loaded, ENV).has_changes

    desired = desired_state(target, loaded, ENV)
    assert run_guest(target, desired, mode="remove").ok
    preview = preview_up(target, loaded, ENV)

    assert not preview.plan.has_changes
    assert preview.has_changes
    assert {(i.vm, i.action) for i in preview.pending_guest} == {
        ("vm1", "configure"),
        ("vm2", "configure"),
    }
