"""Run-command needs the VM to reach Azure: without outbound connectivity the script runs but
its result never comes back; and only the last 4 KiB of output ever does.

- "Outbound connectivity from the VM is required to return the results of the script"
  (learn.microsoft.com/azure/virtual-machines/linux/run-command, Restrictions). Seen: a run on
  a VM with no internet access "took an extremely long time to execute and returned: VM has not
  reported status for VM agent or extensions …" (MicrosoftDocs/azure-docs#11596); the error
  code ``VMAgentStatusCommunicationError`` (MicrosoftDocs/azure-docs#29351); an operation that
  ended Failed 25 minutes after it started (Azure/azure-xplat-cli#2794).
- The Linux extension sends ``maxTailLen = 4 * 1024`` bytes of stdout and of stderr
  (Azure/run-command-extension-linux, main/cmds.go).

The enforcement is a cloud setting (``enforce_outbound``), on by default as on Azure; the
local-cloud fixtures turn it off for the tests of other things that build bare VMs.
"""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError
from localcloud_scenario import LOC, SUB, lb_body, make_nic, make_vm, manifest, net_id, scenario

from provisioner.localcloud import LocalCloud
from provisioner.localcloud.wire import Request

CHECK = [manifest("check")]
ADDRESSES = [f"198.51.100.{i}" for i in range(1, 250)]  # a check report well past 4 KiB


def run(c, lines, vm="vm1"):
    return c.compute.virtual_machines.begin_run_command(
        "rg", vm, {"commandId": "RunShellScript", "script": lines}
    ).result()


def test_without_outbound_the_script_runs_but_the_result_never_comes_back(clients):
    s = scenario(clients)
    clients.cloud.set_enforce_outbound(True)
    with pytest.raises(HttpResponseError) as err:
        run(clients, [manifest("apply", ["203.0.113.4"], [])])
    assert err.value.error.code == "VMAgentStatusCommunicationError"
    assert err.value.error.message == (
        "VM 'vm1' has not reported status for VM agent or extensions. Please verify the VM has "
        "a running VM agent and can establish outbound connections to Azure storage."
    )
    assert clients.cloud.guest_state(s["vm"].id)["addresses"] == ["203.0.113.4"]  # it ran


def test_the_operation_waits_a_long_virtual_time_first(tmp_path):
    cloud = LocalCloud(tmp_path / "s.sqlite", enforce_outbound=True)
    from localcloud_helpers import make_clients

    scenario(make_clients(cloud, "inprocess"))
    cloud.set_time_scale(1.0)  # nothing below waits: only the answer's Retry-After is read
    path = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
    body = json.dumps({"commandId": "RunShellScript", "script": ["true"]}).encode()
    req = Request.build(
        "POST", f"{path}/runCommand?api-version=2024-07-01", {}, body, "https://x", "inprocess"
    )
    resp = cloud.engine.handle(req)
    assert resp.status == 202
    assert int(resp.headers["Retry-After"]) >= 1500  # ~25 minutes, as Azure took
    cloud.close()


def test_enforcement_is_on_by_default(tmp_path):
    from localcloud_helpers import make_clients

    cloud = LocalCloud(tmp_path / "s.sqlite")
    try:
        clients = make_clients(cloud, "inprocess")
        scenario(clients)
        assert cloud.settings()["enforce_outbound"] is True
        with pytest.raises(HttpResponseError) as err:
            run(clients, CHECK)
        assert err.value.error.code == "VMAgentStatusCommunicationError"
        cloud.set_enforce_outbound(False)
        assert run(clients, CHECK).value[0].code == "ProvisioningState/succeeded"
    finally:
        cloud.close()


def _private_vm_with(clients, **ipconfig):
    """A VM whose NIC sits in the private subnet of the scenario, with ``ipconfig`` added."""
    s = scenario(clients)
    make_nic(clients, "nic2", s["vnet"].subnets[0].id, **ipconfig)
    make_vm(clients, "vm2", net_id("rg", "networkInterfaces", "nic2"))
    clients.cloud.set_enforce_outbound(True)
    return s


def test_a_public_ip_on_the_nic_gives_outbound(clients):
    s = _private_vm_with(clients)
    pip = clients.network.public_ip_addresses.begin_create_or_update(
        "rg", "vm2-pip", {"location": LOC, "sku": {"name": "Standard"}, "properties": {}}
    ).result()
    make_nic(clients, "nic2", s["vnet"].subnets[0].id, publicIPAddress={"id": pip.id})
    assert run(clients, CHECK, vm="vm2").value
    with pytest.raises(HttpResponseError):
        run(clients, CHECK, vm="vm1")  # its neighbour, without one, still gets nothing back


def test_a_nat_gateway_on_the_subnet_gives_outbound(clients):
    s = scenario(clients)
    clients.cloud.set_enforce_outbound(True)
    pip = clients.network.public_ip_addresses.begin_create_or_update(
        "rg", "nat-pip", {"location": LOC, "sku": {"name": "Standard"}, "properties": {}}
    ).result()
    nat = clients.network.nat_gateways.begin_create_or_update(
        "rg", "nat", {"location": LOC, "properties": {"publicIpAddresses": [{"id": pip.id}]}}
    ).result()
    subnet = s["vnet"].subnets[0].as_dict()
    subnet["properties"]["natGateway"] = {"id": nat.id}
    clients.network.subnets.begin_create_or_update("rg", "vnet", "backend", subnet).result()
    assert run(clients, CHECK).value


def test_a_load_balancer_outbound_rule_gives_outbound(clients):
    s = scenario(clients)
    clients.cloud.set_enforce_outbound(True)
    body = lb_body(s["pip"].id)
    lid = net_id("rg", "loadBalancers", "lb")
    body["properties"]["loadBalancingRules"][0]["properties"]["disableOutboundSnat"] = True
    body["properties"]["outboundRules"] = [
        {
            "name": "out",
            "properties": {
                "protocol": "All",
                "frontendIPConfigurations": [{"id": f"{lid}/frontendIPConfigurations/green"}],
                "backendAddressPool": {"id": f"{lid}/backendAddressPools/app"},
            },
        }
    ]
    clients.network.load_balancers.begin_create_or_update("rg", "lb", body).result()
    assert run(clients, CHECK).value


def test_a_subnet_with_default_outbound_access_gives_outbound(clients):
    s = scenario(clients)
    clients.cloud.set_enforce_outbound(True)
    subnet = s["vnet"].subnets[0].as_dict()
    subnet["properties"]["defaultOutboundAccess"] = True
    clients.network.subnets.begin_create_or_update("rg", "vnet", "backend", subnet).result()
    assert run(clients, CHECK).value


# --- the last 4 KiB ---------------------------------------------------------------------------


def _big_report(clients) -> str:
    """Make the check report longer than 4 KiB; returns what the guest printed in full."""
    s = scenario(clients)
    run(clients, [manifest("apply", ADDRESSES, [])])
    [record] = clients.cloud.run_command_history(s["vm"].id)[-1:]
    assert record.kind == "action"
    run(clients, CHECK)
    full = clients.cloud.run_command_history(s["vm"].id)[-1].stdout
    assert len(full.encode()) > 4096
    return full


def test_action_run_command_returns_the_last_4096_bytes_of_stdout(clients):
    full = _big_report(clients)
    [status] = run(clients, CHECK).value
    stdout = status.message.split("\n[stdout]\n", 1)[1].rsplit("\n[stderr]\n", 1)[0]
    assert stdout.encode() == full.encode()[-4096:]


def test_managed_run_command_output_is_cut_to_its_last_4096_bytes(clients):
    full = _big_report(clients)
    clients.compute.virtual_machine_run_commands.begin_create_or_update(
        "rg",
        "vm1",
        "report",
        {"location": LOC, "properties": {"source": {"script": "\n".join(CHECK)}}},
    ).result()
    got = clients.compute.virtual_machine_run_commands.get_by_virtual_machine(
        "rg", "vm1", "report", expand="instanceView"
    )
    assert got.instance_view.output.encode() == full.encode()[-4096:]


def test_the_tools_guest_step_meets_it_on_a_blueprint_without_outbound(tmp_path):
    """A blueprint that says ``outbound: none`` (acknowledged) creates private subnets and no
    outbound method, so with enforcement on, ``up`` reaches its guest step and gets no result
    back; the example as written (a NAT gateway on the subnet, issue 10) comes up."""
    from pathlib import Path

    from typer.testing import CliRunner

    from provisioner.cli.app import app

    blueprint = Path(__file__).resolve().parents[2] / "blueprints" / "rule-type-2-floating-ip.yaml"
    text = blueprint.read_text()
    assert "\noutbound: nat_gateway\n" in text
    none = tmp_path / "no-outbound.yaml"
    none.write_text(
        text.replace(
            "\noutbound: nat_gateway\n", "\noutbound: {mode: none, acknowledge_no_outbound: true}\n"
        )
    )
    cloud = LocalCloud(tmp_path / "s.sqlite", enforce_outbound=True)
    state = ["--state", str(cloud.state_path)]
    result = CliRunner().invoke(app, ["up", str(none), "--env", "none", "--yes", *state])
    assert result.exit_code == 1
    assert "VMAgentStatusCommunicationError" in result.stdout + result.stderr
    example = CliRunner().invoke(app, ["up", str(blueprint), "--env", "nat", "--yes", *state])
    assert example.exit_code == 0, example.stdout + example.stderr
    cloud.close()
