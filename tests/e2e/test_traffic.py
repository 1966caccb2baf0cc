"""The environment's NSG on the local cloud through the real SDK: an added rule touches only its
own NSG rule, a foreign NSG on a subnet the blueprint secures stops the plan, and an existing NSG
the blueprint adopts is checked against the mapping before anything is written."""

from __future__ import annotations

from pathlib import Path

from azure.mgmt.network import models as nm

from provisioner.arm.target import open_target
from tests.e2e.conftest import BLUEPRINTS, writes

BLUEPRINT = next(p for p in BLUEPRINTS if p.stem == "rule-type-1")
ENV = "sec"
RG = f"rg-{ENV}"
NSG = f"nsg-{ENV}"
TLS_RULE = (
    "      green-tls: {frontend: green, protocol: tcp, port: 443, backend_port: 443, pool: app, "
    "probe: green-health}\n"
)


def _edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = BLUEPRINT.read_text()
    assert old in text
    out = tmp_path / f"{name}.yaml"
    out.write_text(text.replace(old, new, 1))
    return out


def _with_tls_rule(tmp_path: Path) -> Path:
    """rule-type-1 with one more load balancing rule: TCP 443 on the green frontend."""
    return _edited(
        tmp_path, "with-tls", "      purple: {frontend", TLS_RULE + "      purple: {frontend"
    )


def _priorities(target) -> dict[str, int]:
    nsg = target.network.network_security_groups.get(RG, NSG)
    return {r.name: r.priority for r in nsg.security_rules}


def _attach_their_nsg(target) -> str:
    """An NSG someone else made, put on the environment's subnet behind its back."""
    net = target.network
    theirs = net.network_security_groups.begin_create_or_update(
        RG, "their-nsg", nm.NetworkSecurityGroup(location="westeurope")
    ).result()
    vnet = net.virtual_networks.get(RG, f"vnet-{ENV}")
    vnet.subnets[0].network_security_group = nm.NetworkSecurityGroup(id=theirs.id)
    net.virtual_networks.begin_create_or_update(RG, vnet.name, vnet).result()
    return theirs.id


def _subnet_nsg(target) -> str:
    subnet = target.network.virtual_networks.get(RG, f"vnet-{ENV}").subnets[0]
    return subnet.network_security_group.id.lower()


def test_adding_one_rule_adds_only_its_nsg_rule_and_renumbers_nothing(cloud, cli, tmp_path):
    assert cli("up", str(BLUEPRINT), "--env", ENV, "--yes").exit_code == 0
    target = open_target("local", local_cloud=cloud)
    try:
        before = _priorities(target)
        edited = _with_tls_rule(tmp_path)
        plan = cli("plan", str(edited), "--env", ENV, "-o", "json")
        assert plan.exit_code == 0, plan.stdout + plan.stderr
        changes = {c["key"]: c for c in plan.json()["changes"]}
        nsg = changes[f"network_security_group/{NSG}"]
        # the plan shows the new row's NSG rule, and nothing else of the NSG
        assert [f["path"] for f in nsg["field_changes"]] == [
            "securityRules[lb_tcp-443_ipv4_internet]"
        ]
        added = nsg["field_changes"][0]
        assert added["before"] is None and "lb/green-tls" in added["after"]["description"]
        assert set(changes) == {
            f"resource_group/{RG}",  # the blueprint digest, a tag
            f"network_security_group/{NSG}",
            f"load_balancer/lb-{ENV}-lb",
        }

        cloud.clear_request_log()
        up = cli("up", str(edited), "--env", ENV, "--yes")
        assert up.exit_code == 0, up.stdout + up.stderr
        puts = sorted(w.path.lower().rsplit("/", 1)[-1] for w in writes(cloud) if w.method == "PUT")
        assert puts == [f"lb-{ENV}-lb", NSG]
        after = _priorities(target)
        assert {k: v for k, v in after.items() if k in before} == before  # no rule renumbered
        assert set(after) - set(before) == {"lb_tcp-443_ipv4_internet"}
    finally:
        target.close()


def test_a_foreign_nsg_on_a_secured_subnet_stops_plan_and_up_and_is_named(cloud, cli):
    assert cli("up", str(BLUEPRINT), "--env", ENV, "--yes").exit_code == 0
    target = open_target("local", local_cloud=cloud)
    try:
        theirs = _attach_their_nsg(target)
        cloud.clear_request_log()
        for command in (("plan",), ("up", "--yes")):
            result = cli(*command, str(BLUEPRINT), "--env", ENV, "-o", "json")
            assert result.exit_code == 2, result.stdout
            (error,) = result.json()["errors"]
            assert error["code"] == "ForeignNetworkSecurityGroup"
            assert "their-nsg" in error["message"] and error["field"] == "network.subnets.backend"
            assert error["line"] and theirs in error["hint"]  # adopt it with security: existing
        assert writes(cloud) == []  # nothing written, nothing replaced
        assert _subnet_nsg(target) == theirs.lower()
    finally:
        target.close()


def test_an_adopted_nsg_is_checked_against_every_row_before_anything_is_written(
    cloud, cli, tmp_path
):
    assert cli("up", str(BLUEPRINT), "--env", ENV, "--yes").exit_code == 0
    target = open_target("local", local_cloud=cloud)
    try:
        theirs = _attach_their_nsg(target)
        adopted = _edited(
            tmp_path,
            "adopted",
            "    backend: 10.0.1.0/24",
            f"    backend: {{prefix: 10.0.1.0/24, security: {{existing: {theirs}}}}}",
        )
        cloud.clear_request_log()
        # An NSG with no rules of its own: DenyAllInBound takes every row from the Internet.
        blocked = cli("plan", str(adopted), "--env", ENV, "-o", "json")
        assert blocked.exit_code == 2, blocked.stdout
        errors = blocked.json()["errors"]
        # each blocked row is named, with the rule that blocks it, at the adopting line
        denied = {e["message"].split(" blocks ")[1].split(":")[0] for e in errors}
        assert denied >= {"rule lb/green", "rule lb/purple"}
        assert all("DenyAllInBound" in e["message"] for e in errors)
        assert {e["field"] for e in errors} == {"network.subnets.backend.security.existing"}
        assert writes(cloud) == []

        # Their NSG admits the rows: up keeps it on the subnet (no longer foreign, adopted).
        net = target.network
        nsg = net.network_security_groups.get(RG, "their-nsg")
        nsg.security_rules = [
            nm.SecurityRule(
                name="web",
                priority=200,
                access="Allow",
                direction="Inbound",
                protocol="Tcp",
                source_address_prefix="Internet",
                source_port_range="*",
                destination_address_prefix="10.0.1.0/24",
                destination_port_ranges=["80", "81"],
            )
        ]
        net.network_security_groups.begin_create_or_update(RG, "their-nsg", nsg).result()
        up = cli("up", str(adopted), "--env", ENV, "--yes")
        assert up.exit_code == 0, up.stdout + up.stderr
        assert _subnet_nsg(target) == theirs.lower()
    finally:
        target.close()
