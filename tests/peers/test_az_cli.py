"""az CLI, unmodified, builds a two-frontend Floating IP load balancer on the local cloud alone:
sign-in, group, VNet, public IP, a NAT gateway for the subnet's way out, an internal and a public
load balancer (``az network lb create`` sends template deployments), frontends, probe, two
Floating IP rules on port 80, a NIC in the pool, a VM from an image, run-command, show, a
template from a file (with comments) deployed and what-if'd, and group delete — with zero outbound
attempts (the trap proxy sees nothing)."""

from __future__ import annotations

import pytest

from tests.peers.conftest import TENANT

pytestmark = pytest.mark.peers


TEMPLATE = """{
  // az sends this file's text as it is, comments included, after an unquoted "template:" key
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"idle": {"type": "int", "defaultValue": 4}},
  "resources": [{
    "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "pipdep",
    "location": "[resourceGroup().location]", "sku": {"name": "Standard"},
    "properties": {"publicIPAllocationMethod": "Static",
                   "idleTimeoutInMinutes": "[parameters('idle')]"}
  }]
}"""


def test_az_cli_builds_a_floating_ip_load_balancer_with_nothing_leaving_the_machine(
    az, served, trap, tmp_path
):
    az("cloud", "register", "-n", "LocalCloud", "--endpoint-resource-manager", served.url + "/")
    az("cloud", "set", "-n", "LocalCloud")
    az("login", "--service-principal", "-u", "app", "-p", "secret", "--tenant", TENANT)
    az("group", "create", "-n", "rg", "-l", "westeurope")
    az(
        "network",
        "vnet",
        "create",
        "-g",
        "rg",
        "-n",
        "vnet",
        "--address-prefix",
        "10.0.0.0/16",
        "--subnet-name",
        "be",
        "--subnet-prefix",
        "10.0.1.0/24",
    )
    az("network", "public-ip", "create", "-g", "rg", "-n", "pip1", "--sku", "Standard")
    # az 2.91 makes subnets private (defaultOutboundAccess false), and run-command needs the VM
    # to reach out, as on Azure: a NAT gateway gives the subnet its way out.
    az("network", "public-ip", "create", "-g", "rg", "-n", "natip", "--sku", "Standard")
    az(
        "network",
        "nat",
        "gateway",
        "create",
        "-g",
        "rg",
        "-n",
        "nat",
        "--public-ip-addresses",
        "natip",
    )
    az(
        "network",
        "vnet",
        "subnet",
        "update",
        "-g",
        "rg",
        "--vnet-name",
        "vnet",
        "-n",
        "be",
        "--nat-gateway",
        "nat",
    )
    az(
        "network",
        "lb",
        "create",
        "-g",
        "rg",
        "-n",
        "lbpub",
        "--sku",
        "Standard",
        "--public-ip-address",
        "pip1",
        "--frontend-ip-name",
        "fe1",
        "--backend-pool-name",
        "pool",
    )
    az(
        "network",
        "lb",
        "create",
        "-g",
        "rg",
        "-n",
        "lbint",
        "--sku",
        "Standard",
        "--vnet-name",
        "vnet",
        "--subnet",
        "be",
        "--frontend-ip-name",
        "fe1",
        "--backend-pool-name",
        "pool",
    )
    az(
        "network",
        "lb",
        "frontend-ip",
        "create",
        "-g",
        "rg",
        "--lb-name",
        "lbint",
        "-n",
        "fe2",
        "--vnet-name",
        "vnet",
        "--subnet",
        "be",
    )
    az(
        "network",
        "lb",
        "probe",
        "create",
        "-g",
        "rg",
        "--lb-name",
        "lbint",
        "-n",
        "p80",
        "--protocol",
        "tcp",
        "--port",
        "80",
    )
    for i, fe in enumerate(("fe1", "fe2")):
        az(
            "network",
            "lb",
            "rule",
            "create",
            "-g",
            "rg",
            "--lb-name",
            "lbint",
            "-n",
            f"r{i}",
            "--protocol",
            "tcp",
            "--frontend-port",
            "80",
            "--backend-port",
            "80",
            "--frontend-ip-name",
            fe,
            "--backend-pool-name",
            "pool",
            "--probe-name",
            "p80",
            "--floating-ip",
            "true",
        )
    az(
        "network",
        "nic",
        "create",
        "-g",
        "rg",
        "-n",
        "nic1",
        "--vnet-name",
        "vnet",
        "--subnet",
        "be",
        "--lb-name",
        "lbint",
        "--lb-address-pools",
        "pool",
    )
    az(
        "vm",
        "create",
        "-g",
        "rg",
        "-n",
        "vm1",
        "--image",
        "Ubuntu2204",
        "--nics",
        "nic1",
        "--admin-username",
        "azureuser",
        "--admin-password",
        "Local-cloud-1234",
        "--authentication-type",
        "password",
        "--size",
        "Standard_B1s",
    )
    out = az(
        "vm",
        "run-command",
        "invoke",
        "-g",
        "rg",
        "-n",
        "vm1",
        "--command-id",
        "RunShellScript",
        "--scripts",
        "echo hello",
    )
    assert out["value"]
    lb = az("network", "lb", "show", "-g", "rg", "-n", "lbint")
    assert [f["name"] for f in lb["frontendIPConfigurations"]] == ["fe1", "fe2"]
    assert all(r["enableFloatingIP"] for r in lb["loadBalancingRules"])
    pub = az("network", "lb", "show", "-g", "rg", "-n", "lbpub")
    assert pub["frontendIPConfigurations"][0]["publicIPAddress"]["id"].endswith("/pip1")
    template = tmp_path / "pip.jsonc"
    template.write_text(TEMPLATE)
    az("deployment", "group", "create", "-g", "rg", "--template-file", str(template))
    same = az("deployment", "group", "what-if", "-g", "rg", "--template-file", str(template),
              "--no-pretty-print")  # fmt: skip
    assert {c["changeType"] for c in same["changes"] if c["resourceId"].endswith("/pipdep")} == {
        "NoChange"
    }
    changed = az("deployment", "group", "what-if", "-g", "rg", "--template-file", str(template),
                 "--parameters", "idle=10", "--no-pretty-print")  # fmt: skip
    [pip] = [c for c in changed["changes"] if c["resourceId"].endswith("/pipdep")]
    assert pip["changeType"] == "Modify"
    assert [(d["path"], d["before"], d["after"]) for d in pip["delta"]] == [
        ("properties.idleTimeoutInMinutes", 4, 10)
    ]
    az("group", "delete", "-n", "rg", "--yes")
    assert not [r for r in served.cloud.resources() if "/resourcegroups/rg" in r["id"].lower()]
    assert trap.seen == []
