"""The picture's model: what every drawing of ``provision graph`` shows, built from plain data.

Frontends → rules → pools → VMs with probes beside pools, from the blueprint alone or with the
live addresses of the mapping rows, and a verdict slot per question a person asks of a path.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from provisioner.blueprint.loader import load_blueprint
from provisioner.compile.mapping import ALLOCATED_AT_APPLY, mapping_rows, resolve_mapping
from provisioner.plan.picture import (
    PathVerdicts,
    Verdict,
    blueprint_picture,
    connect_verdict,
    datapath_verdict,
    guest_verdict,
    subset,
    with_guest_results,
    with_verdicts,
)

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINTS = sorted((ROOT / "blueprints").glob("*.yaml"))


def _bp(name: str):
    return load_blueprint(ROOT / "blueprints" / f"{name}.yaml").blueprint


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: p.stem)
def test_every_rule_is_one_path_from_its_frontend_through_its_pool(path: Path) -> None:
    bp = load_blueprint(path).blueprint
    picture = blueprint_picture(bp)
    edges = {(e.source, e.target, e.kind) for e in picture.edges()}
    ends = {e.source for e in picture.edges()} | {e.target for e in picture.edges()}
    for lb_name, lb in bp.load_balancers.items():
        for rule_name, rule in lb.rules.items():
            rid = f"rule:{lb_name}/{rule_name}"
            assert (f"frontend:{lb_name}/{rule.frontend}", rid, "frontend-rule") in edges
            assert (rid, f"pool:{lb_name}/{rule.pool}", "rule-pool") in edges
    ids = {n.id for g in picture.load_balancers for n in (*g.frontends, *g.rules, *g.pools)}
    ids |= {p.id for g in picture.load_balancers for p in g.probes} | {v.id for v in picture.vms}
    assert ends <= ids
    assert picture.counts()["rules"] == sum(len(lb.rules) for lb in bp.load_balancers.values())


def test_rule_type_2_draws_two_paths_that_reuse_backend_port_80_to_different_addresses() -> None:
    """Seed 002's picture: two frontends, TCP 80 each, Floating IP, port 80 on the same VMs."""
    bp = _bp("rule-type-2-floating-ip")
    rows = resolve_mapping(
        mapping_rows(bp),
        {("lb", "green"): "65.52.0.1", ("lb", "purple"): "65.52.0.2"},
        {"vm1": "10.0.1.4", "vm2": "10.0.1.5"},
    )
    picture = blueprint_picture(bp, rows, env="demo", source="live")
    green, purple = picture.load_balancers[0].rules
    assert (green.backend_port, purple.backend_port) == (80, 80)
    assert green.floating_ip and purple.floating_ip
    assert green.pool_id == purple.pool_id
    assert (green.destination_ip, purple.destination_ip) == ("65.52.0.1", "65.52.0.2")
    assert [v.name for v in picture.vms] == ["vm1", "vm2"]
    assert picture.vms[0].nic_ip == "10.0.1.4"
    assert picture.vms[0].loopback == ("65.52.0.1", "65.52.0.2")
    probe = picture.load_balancers[0].pools[0].probe_ids
    assert probe == ("probe:lb/health",)


def test_before_apply_addresses_read_allocated_at_apply_and_static_ones_are_known() -> None:
    picture = blueprint_picture(_bp("rule-type-2-floating-ip"))
    assert {f.address for f in picture.load_balancers[0].frontends} == {ALLOCATED_AT_APPLY}
    assert picture.vms[0].loopback == (
        f"green IP ({ALLOCATED_AT_APPLY})",
        f"purple IP ({ALLOCATED_AT_APPLY})",
    )
    ha = blueprint_picture(_bp("internal-ha-ports"))
    (fe,) = ha.load_balancers[0].frontends
    (rule,) = ha.load_balancers[0].rules
    assert (fe.address, fe.public) == ("10.0.1.10", False)
    assert rule.ha_ports and rule.destination_ip == "10.0.1.10"
    assert [v.name for v in ha.vms] == ["nva-1", "nva-2"]
    assert all(v.loopback == ("10.0.1.10",) for v in ha.vms)


def test_ipv6_frontends_and_nics_are_told_apart() -> None:
    bp = _bp("ipv6-public-frontend")
    rows = resolve_mapping(
        mapping_rows(bp),
        {("lb", "v4"): "20.0.0.4", ("lb", "v6"): "2001:db8::4"},
        {"vm1": "10.0.1.4", "vm2": "10.0.1.5"},
        {"vm1": "fd00::4", "vm2": "fd00::5"},
    )
    picture = blueprint_picture(bp, rows)
    versions = {f.name: f.ip_version for f in picture.load_balancers[0].frontends}
    assert versions == {"v4": "ipv4", "v6": "ipv6"}
    assert (picture.vms[0].nic_ip, picture.vms[0].nic_ipv6) == ("10.0.1.4", "fd00::4")


def test_the_same_input_gives_the_same_picture() -> None:
    bp = _bp("mixed-rule-types")
    assert blueprint_picture(bp) == blueprint_picture(bp)
    assert [r.name for r in blueprint_picture(bp).rules()] == list(bp.load_balancers["lb"].rules)


def test_a_subset_keeps_one_frontends_paths_and_what_they_reach() -> None:
    picture = blueprint_picture(_bp("mixed-rule-types"))
    part = subset(picture, "lb", ["frontend:lb/green"])
    (lb,) = part.load_balancers
    assert [r.name for r in lb.rules] == ["green-http", "green-dns"]
    assert [p.name for p in lb.probes] == ["web", "dns"]
    assert lb.pools[0].probe_ids == ("probe:lb/web", "probe:lb/dns")
    assert [v.name for v in part.vms] == ["vm1", "vm2"]


# --- verdicts ---------------------------------------------------------------------------------


def test_a_path_fails_if_any_check_failed_and_passes_only_on_a_pass() -> None:
    assert PathVerdicts().overall is None
    assert PathVerdicts(guest=Verdict("skipped")).overall == "skipped"
    assert PathVerdicts(guest=Verdict("pass"), datapath=Verdict("skipped")).overall == "pass"
    assert PathVerdicts(guest=Verdict("pass"), nsg=Verdict("fail", "denied")).overall == "fail"
    items = PathVerdicts(nsg=Verdict("fail"), guest=Verdict("pass")).items()
    assert [label for _, label, _ in items] == ["guest ready", "NSG admits"]


def test_an_nsg_verdict_can_be_added_later_without_losing_the_guest_one() -> None:
    picture = blueprint_picture(_bp("rule-type-2-floating-ip"))
    checked = with_verdicts(picture, {("lb", "green"): PathVerdicts(guest=Verdict("pass", "ok"))})
    later = with_verdicts(checked, {("lb", "green"): PathVerdicts(nsg=Verdict("fail", "deny"))})
    green = next(later.rules())
    assert green.verdicts.guest == Verdict("pass", "ok")
    assert green.verdicts.nsg == Verdict("fail", "deny")
    assert green.verdicts.overall == "fail"
    assert later.verdict_counts() == {"pass": 0, "fail": 1, "skipped": 0, "unchecked": 1}


def test_guest_verdicts_follow_the_backends_of_floating_ip_paths_only() -> None:
    assert guest_verdict(False, [], []).state == "skipped"
    assert guest_verdict(True, ["vm1"], ["vm2"]) == Verdict(
        "fail", "guest not ready on vm2; ready on vm1"
    )
    assert guest_verdict(True, ["vm1", "vm2"], []).state == "pass"
    picture = blueprint_picture(_bp("mixed-rule-types"))
    done = with_guest_results(picture, {"vm1": (True, "converged"), "vm2": (False, "drift")})
    by_name = {r.name: r for r in done.rules()}
    assert by_name["purple"].verdicts.guest == Verdict(
        "fail", "guest not ready on vm2; ready on vm1"
    )
    assert by_name["green-http"].verdicts.guest is None
    assert [v.guest.state for v in done.vms] == ["pass", "fail"]


def test_data_path_and_connect_verdicts() -> None:
    assert datapath_verdict(True, "answered", ["vm1"]) == Verdict(
        "pass", "answered (answered by vm1)"
    )
    assert datapath_verdict(False, "timed out").state == "fail"
    assert connect_verdict("") is None
    assert connect_verdict("open").state == "pass"
    assert connect_verdict("no connection: refused").state == "fail"


def test_loopback_held_replaces_what_the_blueprint_asks_for() -> None:
    picture = blueprint_picture(_bp("rule-type-2-floating-ip"))
    held = with_verdicts(picture, {}, {"vm1": (Verdict("fail", "drift"), ("65.52.0.1",))})
    vm1 = held.vms[0]
    assert (vm1.loopback, vm1.loopback_checked, vm1.guest.state) == (("65.52.0.1",), True, "fail")
    assert dataclasses.replace(held.vms[1]) == picture.vms[1]
