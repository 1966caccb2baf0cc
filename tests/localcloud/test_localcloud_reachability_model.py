"""The NSG evaluation behind effective NSGs, ipFlowVerify and rule health, on plain documents."""

from __future__ import annotations

import pytest

from provisioner.localcloud.reachability import security, tags

SUB = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"
SUBNET = f"{SUB}/virtualNetworks/v/subnets/s"


class Docs:
    """A dict-backed lookup (ids case-insensitive, subnets inside their virtual network)."""

    def __init__(self, *docs: dict) -> None:
        self.docs = {d["id"].lower(): d for d in docs}

    def get(self, rid: str) -> dict | None:
        if rid.lower() in self.docs:
            return self.docs[rid.lower()]
        parent, _, name = rid.rpartition("/subnets/")
        vnet = self.docs.get(parent.lower())
        subnets = (vnet or {}).get("properties", {}).get("subnets", [])
        return next((s for s in subnets if s["name"] == name), None)

    def of_type(self, arm_type: str) -> list[dict]:
        return [d for d in self.docs.values() if d["type"].lower() == arm_type.lower()]


def nic(name: str, address: str, asgs: tuple[str, ...] = ()) -> dict:
    ipc = {"subnet": {"id": SUBNET}, "privateIPAddress": address, "primary": True}
    if asgs:
        ipc["applicationSecurityGroups"] = [
            {"id": f"{SUB}/applicationSecurityGroups/{a}"} for a in asgs
        ]
    return {
        "id": f"{SUB}/networkInterfaces/{name}",
        "type": "Microsoft.Network/networkInterfaces",
        "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": ipc}]},
    }


def world(rules: list[dict], *nics: dict) -> Docs:
    nsg = {
        "id": f"{SUB}/networkSecurityGroups/n",
        "type": "Microsoft.Network/networkSecurityGroups",
        "properties": {"securityRules": rules, "defaultSecurityRules": []},
    }
    vnet = {
        "id": f"{SUB}/virtualNetworks/v",
        "type": "Microsoft.Network/virtualNetworks",
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [
                {
                    "name": "s",
                    "id": SUBNET,
                    "properties": {"networkSecurityGroup": {"id": nsg["id"]}},
                }
            ],
        },
    }
    return Docs(nsg, vnet, *nics)


def inbound(remote: str, port: int = 80, local: str = "10.0.0.4") -> security.Flow:
    return security.Flow("Inbound", "TCP", local, port, remote, 50000)


@pytest.mark.parametrize(
    ("address", "internet"),
    [
        ("8.8.8.8", True),
        ("100.64.0.10", True),
        ("198.51.100.1", True),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("168.63.129.16", False),
        ("2001:db8::1", True),
        ("fd00::1", False),
    ],
)
def test_the_internet_tag_is_public_address_space(address, internet):
    assert tags.contains(tags.networks(tags.INTERNET), address) is internet


def test_an_application_security_group_stands_for_its_members_addresses():
    rule = {
        "name": "from-web",
        "properties": {
            "protocol": "Tcp",
            "access": "Allow",
            "direction": "Inbound",
            "priority": 100,
            "sourceApplicationSecurityGroups": [{"id": f"{SUB}/applicationSecurityGroups/web"}],
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": "80",
        },
    }
    target = nic("db", "10.0.0.4")
    docs = world([rule], target, nic("web1", "10.0.0.5", ("web",)), nic("other", "10.0.0.6"))
    context = security.nic_context(target, docs)
    assert security.evaluate(context, inbound("10.0.0.5")).rule == "securityRules/from-web"
    assert security.evaluate(context, inbound("10.0.0.6")).rule != "securityRules/from-web"


def test_an_unknown_service_tag_matches_nothing():
    rule = {
        "name": "storage",
        "properties": {
            "protocol": "*",
            "access": "Deny",
            "direction": "Inbound",
            "priority": 100,
            "sourceAddressPrefix": "Storage",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": "*",
        },
    }
    target = nic("a", "10.0.0.4")
    context = security.nic_context(target, world([rule], target))
    verdict = security.evaluate(context, inbound("8.8.8.8"))
    assert verdict.rule != "securityRules/storage"
    [group] = context.groups
    assert group.as_wire()["tagMap"] == {"Storage": []}
