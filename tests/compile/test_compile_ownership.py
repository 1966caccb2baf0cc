"""Tags mark what the environment owns; brownfield pieces are referenced, never tagged."""

from __future__ import annotations

import json

from compile_helpers import SUBSCRIPTION, TWO_FRONTENDS, compile_text

from provisioner.compile.desired import Kind, Ownership

EXISTING_RG = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/team-sandbox"
EXISTING_VNET = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/hub"
    "/providers/Microsoft.Network/virtualNetworks/hub-vnet"
)


def test_every_owned_resource_carries_the_environment_tags():
    """Ownership on everything; the digest and the expiry timestamp on the group the environment
    creates, the rest expiring with it: a new blueprint or TTL is one tag write (issue 12)."""
    state = compile_text(TWO_FRONTENDS, env="ci-7")
    holder = {
        "provisioner-env": "ci-7",
        "provisioner-blueprint": "d1g3st",
        "provisioner-managed": "true",
        "provisioner-expires": "2030-01-01T00:00:00Z",
    }
    member = {
        "provisioner-env": "ci-7",
        "provisioner-managed": "true",
        "provisioner-expires": "with-group",
    }
    for res in state.order():
        assert res.ownership is Ownership.OWNED
        expected = holder if res.kind is Kind.RESOURCE_GROUP else member
        assert res.body.as_dict()["tags"] == expected, res.key
    assert state.tags.as_dict() == holder


def test_in_an_existing_group_every_resource_holds_the_digest_and_the_expiry():
    text = TWO_FRONTENDS.replace(
        "location: westeurope", f"location: westeurope\nresource_group_id: {EXISTING_RG}"
    )
    owned = [r for r in compile_text(text).order() if r.ownership is Ownership.OWNED]
    assert owned
    for res in owned:
        tags = res.body.as_dict()["tags"]
        assert tags["provisioner-blueprint"] == "d1g3st", res.key
        assert tags["provisioner-expires"] == "2030-01-01T00:00:00Z", res.key


def test_without_ttl_there_is_no_expiry_tag():
    for res in compile_text(TWO_FRONTENDS, expires=None).order():
        assert "provisioner-expires" not in res.body.tags


def test_an_existing_resource_group_is_used_not_created():
    text = TWO_FRONTENDS.replace(
        "location: westeurope", f"location: westeurope\nresource_group_id: {EXISTING_RG}"
    )
    state = compile_text(text)
    assert (state.creates_resource_group, state.resource_group) == (False, "team-sandbox")
    rg = state.resources["resource_group/team-sandbox"]
    assert (rg.ownership, rg.id, rg.body) == (Ownership.REFERENCED, EXISTING_RG, None)
    lb = state.resources["load_balancer/lb-test-lb"]
    assert lb.id.startswith(f"{EXISTING_RG}/providers/")
    assert lb.resource_group == "team-sandbox"
    assert lb.body.tags["provisioner-env"] == "test"


def test_an_existing_vnet_is_referenced_and_nics_use_its_subnets():
    text = TWO_FRONTENDS.replace(
        "subnets: {backend: 10.0.1.0/24}",
        f"subnets: {{backend: 10.0.1.0/24}}\n  existing_id: {EXISTING_VNET}",
    )
    state = compile_text(text)
    assert not [r for r in state.order() if r.kind is Kind.VIRTUAL_NETWORK and r.body is not None]
    vnet = state.resources["virtual_network/hub-vnet"]
    assert (vnet.ownership, vnet.resource_group, vnet.body) == (Ownership.REFERENCED, "hub", None)
    nic = state.resources["network_interface/nic-test-vm1"]
    assert nic.body.ip_configurations[0].subnet.id == f"{EXISTING_VNET}/subnets/backend"
    assert "virtual_network/hub-vnet" in nic.depends_on


def test_referenced_resources_carry_no_tags_and_no_body():
    text = TWO_FRONTENDS.replace(
        "location: westeurope", f"location: westeurope\nresource_group_id: {EXISTING_RG}"
    ).replace(
        "subnets: {backend: 10.0.1.0/24}",
        f"subnets: {{backend: 10.0.1.0/24}}\n  existing_id: {EXISTING_VNET}",
    )
    state = compile_text(text)
    referenced = [r for r in state.order() if r.ownership is Ownership.REFERENCED]
    assert [r.kind for r in referenced] == [Kind.RESOURCE_GROUP, Kind.VIRTUAL_NETWORK]
    assert all(r.body is None for r in referenced)
    owned = [r for r in state.order() if r.ownership is Ownership.OWNED]
    assert owned and all("provisioner-managed" in json.dumps(r.body.as_dict()) for r in owned)


def test_the_vnet_holds_its_subnets_inline_with_dual_stack_prefixes():
    text = TWO_FRONTENDS.replace(
        "address_space: 10.0.0.0/16\n  subnets: {backend: 10.0.1.0/24}",
        'address_space: [10.0.0.0/16, "fd00:1::/48"]\n'
        "  subnets:\n"
        "    backend: 10.0.1.0/24\n"
        '    dual: {prefix: 10.0.2.0/24, ipv6_prefix: "fd00:1:0:2::/64"}',
    )
    vnet = compile_text(text).resources["virtual_network/vnet-test"].body.as_dict()["properties"]
    assert vnet["addressSpace"] == {"addressPrefixes": ["10.0.0.0/16", "fd00:1::/48"]}
    backend, dual = vnet["subnets"]
    network = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-test/providers/Microsoft.Network"
    nsg = {"id": f"{network}/networkSecurityGroups/nsg-test"}
    assert backend["properties"] == {
        "addressPrefix": "10.0.1.0/24",
        "networkSecurityGroup": nsg,  # inline: the subnet never exists without it
        "natGateway": {"id": f"{network}/natGateways/ng-test"},  # it holds VMs
        "defaultOutboundAccess": False,
    }
    assert dual["properties"] == {
        "addressPrefixes": ["10.0.2.0/24", "fd00:1:0:2::/64"],
        "networkSecurityGroup": nsg,
        "defaultOutboundAccess": False,
    }
    assert dual["id"].endswith("/virtualNetworks/vnet-test/subnets/dual")
