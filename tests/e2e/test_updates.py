"""A second `up` touches only what changed and never erases what others attached (issue 12).

Everything here goes through the real CLI and the real SDK against the local cloud; "others"
attach with the SDK, as another team or Azure Policy would.
"""

from __future__ import annotations

from pathlib import Path

from azure.mgmt.network import models as nm

from tests.e2e.conftest import ROOT, writes

BLUEPRINT = ROOT / "blueprints" / "rule-type-1.yaml"
ENV = "upd"
RG = f"rg-{ENV}"


#: The subnet without the environment's NSG: an NSG someone else attaches there is theirs to
#: keep. (On a subnet the blueprint secures it is a plan-time error: see the test below.)
UNSECURED = "backend: {prefix: 10.0.1.0/24, security: {mode: none, acknowledge_no_nsg: true}}"


def _unsecured(tmp_path: Path, *, extra_probe: bool = False) -> Path:
    """The blueprint with its subnet left without an NSG of ours (and one more probe)."""
    text = BLUEPRINT.read_text()
    assert "backend: 10.0.1.0/24" in text and "probes:" in text
    edited = text.replace("backend: 10.0.1.0/24", UNSECURED, 1)
    if extra_probe:
        edited = edited.replace("probes:", "probes:\n      extra: {protocol: tcp, port: 8081}", 1)
    out = tmp_path / ("with-probe.yaml" if extra_probe else "unsecured.yaml")
    out.write_text(edited)
    return out


def _open(cloud):
    from provisioner.arm.target import open_target

    return open_target("local", local_cloud=cloud)


def _attach_foreign_things(target) -> dict[str, str]:
    """An NSG and a route table on our subnet, an NSG on our NIC, an inbound NAT rule on our
    load balancer: what a second `up` must keep."""
    loc = "westeurope"
    sub = target.subscription_id
    base = f"/subscriptions/{sub}/resourceGroups/{RG}/providers/Microsoft.Network"
    net = target.network
    nsg = net.network_security_groups.begin_create_or_update(
        RG, "their-nsg", nm.NetworkSecurityGroup(location=loc)
    ).result()
    routes = net.route_tables.begin_create_or_update(
        RG, "their-routes", nm.RouteTable(location=loc)
    ).result()
    vnet = net.virtual_networks.get(RG, f"vnet-{ENV}")
    vnet.subnets[0].network_security_group = nm.NetworkSecurityGroup(id=nsg.id)
    vnet.subnets[0].route_table = nm.RouteTable(id=routes.id)
    net.virtual_networks.begin_create_or_update(RG, vnet.name, vnet).result()
    nic = net.network_interfaces.get(RG, f"nic-{ENV}-vm1")
    nic.network_security_group = nm.NetworkSecurityGroup(id=nsg.id)
    net.network_interfaces.begin_create_or_update(RG, nic.name, nic).result()
    lb = net.load_balancers.get(RG, f"lb-{ENV}-lb")
    lb.inbound_nat_rules = [
        nm.InboundNatRule(
            name="their-ssh",
            frontend_ip_configuration=nm.SubResource(id=lb.frontend_ip_configurations[0].id),
            protocol="Tcp",
            frontend_port=50022,
            backend_port=22,
        )
    ]
    net.load_balancers.begin_create_or_update(RG, lb.name, lb).result()
    return {"nsg": nsg.id.lower(), "routes": routes.id.lower(), "base": base}


def _assert_still_attached(target, ids: dict[str, str]) -> None:
    net = target.network
    subnet = net.virtual_networks.get(RG, f"vnet-{ENV}").subnets[0]
    assert subnet.network_security_group.id.lower() == ids["nsg"]
    assert subnet.route_table.id.lower() == ids["routes"]
    nic = net.network_interfaces.get(RG, f"nic-{ENV}-vm1")
    assert nic.network_security_group.id.lower() == ids["nsg"]
    lb = net.load_balancers.get(RG, f"lb-{ENV}-lb")
    assert [r.name for r in lb.inbound_nat_rules] == ["their-ssh"]


def test_a_second_up_with_the_same_ttl_puts_nothing(cloud, cli):
    assert cli("up", str(BLUEPRINT), "--env", ENV, "--ttl", "4h", "--yes").exit_code == 0
    cloud.clear_request_log()
    again = cli("up", str(BLUEPRINT), "--env", ENV, "--ttl", "4h", "--yes")
    assert again.exit_code == 0, again.stdout + again.stderr
    methods = [w.method.upper() for w in writes(cloud)]
    assert "PUT" not in methods
    assert methods.count("PATCH") <= 1  # the group's expiry, if a second went by


def test_up_plan_and_status_list_the_environment_once(cloud, cli):
    """The listing that keeps the expiry is the one the plan reads its deletions from: each
    command lists the subscription once (it was twice for up and plan, three times for status)."""

    def listings() -> int:
        return sum(
            1 for r in cloud.request_log() if r.method == "GET" and r.path.endswith("/resources")
        )

    for args in (
        ("up", str(BLUEPRINT), "--env", ENV, "--yes"),
        ("up", str(BLUEPRINT), "--env", ENV, "--yes"),
        ("plan", str(BLUEPRINT), "--env", ENV),
        ("status", str(BLUEPRINT), "--env", ENV),
    ):
        cloud.clear_request_log()
        run = cli(*args)
        assert run.exit_code == 0, run.stdout + run.stderr
        assert listings() == 1, args


def test_adding_a_probe_writes_that_load_balancer_and_keeps_what_others_attached(
    cloud, cli, tmp_path
):
    assert cli("up", str(_unsecured(tmp_path)), "--env", ENV, "--yes").exit_code == 0
    target = _open(cloud)
    try:
        ids = _attach_foreign_things(target)
        cloud.clear_request_log()

        edited = _unsecured(tmp_path, extra_probe=True)
        plan = cli("plan", str(edited), "--env", ENV, "-o", "json")
        up = cli("up", str(edited), "--env", ENV, "--yes")

        assert up.exit_code == 0, up.stdout + up.stderr
        puts = [w.path.lower() for w in writes(cloud) if w.method.upper() == "PUT"]
        assert puts == [f"{ids['base']}/loadbalancers/lb-{ENV}-lb".lower()]
        patches = [w.path.lower() for w in writes(cloud) if w.method.upper() == "PATCH"]
        assert all(p.endswith(f"/resourcegroups/{RG}") for p in patches)  # the digest, a tag
        _assert_still_attached(target, ids)
        changes = {c["key"]: c for c in plan.json()["changes"]}
        lb = changes[f"load_balancer/lb-{ENV}-lb"]
        assert lb["tags_only"] is False and "inboundNatRules" in lb["kept"]
        assert changes[f"resource_group/{RG}"]["tags_only"] is True
    finally:
        target.close()


def test_tag_changes_are_patches_and_keep_tags_others_set(cloud, cli):
    assert cli("up", str(BLUEPRINT), "--env", ENV, "--ttl", "1h", "--yes").exit_code == 0
    target = _open(cloud)
    try:
        group = target.resources.resource_groups.get(RG)
        from azure.mgmt.resource.resources.models import ResourceGroupPatchable

        target.resources.resource_groups.update(
            RG, ResourceGroupPatchable(tags={**group.tags, "cost-centre": "42"})
        )
        cloud.clear_request_log()
        assert cli("up", str(BLUEPRINT), "--env", ENV, "--ttl", "9h", "--yes").exit_code == 0
        assert [w.method.upper() for w in writes(cloud)] == ["PATCH"]
        tags = target.resources.resource_groups.get(RG).tags
        assert tags["cost-centre"] == "42"
    finally:
        target.close()


def test_user_tags_go_on_every_resource_and_the_tools_own_win(cloud, cli, tmp_path):
    """Blueprint ``tags:`` and ``--tag`` on everything ``up`` creates (issue 12.5)."""
    text = BLUEPRINT.read_text().replace(
        "location: westeurope", "location: westeurope\ntags: {cost-centre: '42', team: lb}", 1
    )
    assert "cost-centre" in text
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text(text)
    up = cli("up", str(tagged), "--env", ENV, "--tag", "team=payments", "--tag", "ci=1", "--yes")
    assert up.exit_code == 0, up.stdout + up.stderr
    target = _open(cloud)
    try:
        # A VM's implicit OS disk is created by the VM and takes no tags from its PUT.
        items = [
            i
            for i in target.resources.resources.list_by_resource_group(RG)
            if i.type.lower() != "microsoft.compute/disks"
        ]
        items.append(target.resources.resource_groups.get(RG))
        assert len(items) > 5
        for item in items:
            tags = item.tags or {}
            assert tags["cost-centre"] == "42" and tags["team"] == "payments", item.id
            assert tags["ci"] == "1" and tags["provisioner-env"] == ENV, item.id
    finally:
        target.close()


def test_a_bad_tag_option_exits_2_before_any_call(cloud, cli):
    cloud.clear_request_log()
    bad = cli("up", str(BLUEPRINT), "--env", ENV, "--tag", "provisioner-env=other", "--yes")
    assert bad.exit_code == 2
    assert "provisioner-" in bad.stderr
    assert cli("up", str(BLUEPRINT), "--env", ENV, "--tag", "no-equals-sign").exit_code == 2
    assert writes(cloud) == []


def test_a_policy_refusal_names_the_policy_and_the_resource_and_is_not_retried(cloud, cli):
    """403 RequestDisallowedByPolicy: one attempt, exit 1, the assignment and definition named,
    and a hint (issue 12.6)."""
    from provisioner.localcloud.control import FaultRule

    cloud.add_fault(
        FaultRule(
            "policy",
            method="PUT",
            resource_type="Microsoft.Network/virtualNetworks",
            code="deny-subnet-without-nsg",
            message="Subnets should be associated with a Network Security Group",
        )
    )
    run = cli("up", str(BLUEPRINT), "--env", ENV, "--yes", "-o", "json")
    assert run.exit_code == 1, run.stdout + run.stderr
    error = run.json()["error"]
    assert error["code"] == "RequestDisallowedByPolicy"
    assert "deny-subnet-without-nsg" in error["message"]
    assert "Subnets should be associated with a Network Security Group" in error["message"]
    assert f"vnet-{ENV}" in error["message"] and error["hint"]
    vnet_puts = [w for w in writes(cloud) if "/virtualnetworks/" in w.path.lower()]
    assert len(vnet_puts) == 1  # refused once, never retried

    text = cli("up", str(BLUEPRINT), "--env", ENV, "--yes")
    assert text.exit_code == 1
    assert "deny-subnet-without-nsg" in text.stderr and "hint:" in text.stderr


def test_plan_and_up_json_carry_the_blueprints_warnings(cli):
    """A CI job reading ``-o json`` sees the warnings the text output prints (they were only on
    stderr, so ``warnings`` was missing from the document)."""
    windows = ROOT / "blueprints" / "windows-backends.yaml"
    for command in ("plan", "up"):
        args = (command, str(windows), "--env", "warn", "-o", "json")
        run = cli(*args, "--yes") if command == "up" else cli(*args)
        assert run.exit_code == 0, run.stdout + run.stderr
        [cost] = [w for w in run.json()["warnings"] if w["code"] == "PublicIpCost"]
        assert cost["file"].endswith("windows-backends.yaml") and cost["line"] > 0
