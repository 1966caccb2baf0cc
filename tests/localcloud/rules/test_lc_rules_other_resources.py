"""Public IP, virtual network and virtual machine PUTs, and in-use DELETEs."""

from __future__ import annotations

import pytest
from lc_rules_docs import Store, child, frontend, ipconfig, lb, nic, pip, vm, vnet

from provisioner.localcloud.rules import (
    RuleViolation,
    check_delete,
    check_public_ip_put,
    check_virtual_machine_put,
    check_virtual_network_put,
)
from provisioner.localcloud.rules.public_ip import PUBLIC_IP_LIMIT


def code_of(check, doc, store) -> str:
    with pytest.raises(RuleViolation) as info:
        check(doc, store)
    assert info.value.status == 400
    return info.value.code


def test_standard_public_ip_must_be_static():
    assert code_of(check_public_ip_put, pip(method="Dynamic"), Store()) == (
        "StandardSkuPublicIPAddressesMustBeStatic"
    )
    check_public_ip_put(pip(), Store())


def test_basic_ipv6_public_ip_cannot_be_static():
    doc = pip(sku="Basic", method="Static", version="IPv6")
    assert code_of(check_public_ip_put, doc, Store()) == (
        "CannotSpecifyPublicIpAllocationMethodAsStaticForIpV6PublicIp"
    )
    check_public_ip_put(pip(sku="Basic", method="Dynamic", version="IPv6"), Store())


def test_a_subscription_holds_as_many_public_ips_as_the_local_cloud_has_addresses():
    held = [pip(f"p{i}") for i in range(PUBLIC_IP_LIMIT)]
    with pytest.raises(RuleViolation) as info:
        check_public_ip_put(pip("one-more"), Store(*held))
    assert info.value.code == "PublicIPCountLimitReached"
    assert info.value.message == (
        f"Cannot create more than {PUBLIC_IP_LIMIT} public IP addresses for this subscription "
        "in this region."
    )
    check_public_ip_put(pip("one-more"), Store(*held[1:]))


def test_subnet_outside_the_address_space_is_refused():
    doc = vnet(subnets={"fe": "10.1.0.0/24"})
    assert code_of(check_virtual_network_put, doc, Store()) == "NetcfgSubnetRangeOutsideVnet"


def test_overlapping_subnets_are_refused():
    doc = vnet(subnets={"a": "10.0.0.0/23", "b": "10.0.1.0/24"})
    assert code_of(check_virtual_network_put, doc, Store()) == "NetcfgSubnetRangesOverlap"
    check_virtual_network_put(vnet(), Store())


def test_unparseable_subnet_prefix_is_refused():
    doc = vnet(subnets={"a": "10.0.0.0/33"})
    assert code_of(check_virtual_network_put, doc, Store()) == "NetcfgInvalidSubnet"


def test_vnet_put_that_drops_a_used_subnet_is_refused():
    store = Store(nic())  # nic1 lives in subnet "be"
    doc = vnet(subnets={"fe": "10.0.1.0/24"})
    assert code_of(check_virtual_network_put, doc, store) == "InUseSubnetCannotBeDeleted"
    check_virtual_network_put(vnet(), store)


def test_vm_needs_an_existing_nic_not_attached_elsewhere():
    assert code_of(check_virtual_machine_put, vm(), Store()) == "InvalidResourceReference"
    assert code_of(check_virtual_machine_put, vm("vm2"), Store(nic(vm="vm1"), vm())) == "NicInUse"
    check_virtual_machine_put(vm(), Store(nic()))


def test_public_ip_used_by_a_frontend_cannot_be_deleted():
    public = lb(frontends=[frontend(pip_name="pip1")])
    assert code_of(check_delete, pip(), Store(public)) == "PublicIPAddressCannotBeDeleted"
    check_delete(pip(), Store())


def test_subnet_and_vnet_with_ipconfigs_cannot_be_deleted():
    store = Store(nic())
    subnet = vnet()["properties"]["subnets"][1] | {
        "type": "Microsoft.Network/virtualNetworks/subnets"
    }
    assert code_of(check_delete, subnet, store) == "InUseSubnetCannotBeDeleted"
    assert code_of(check_delete, vnet(), store) == "InUseSubnetCannotBeDeleted"
    check_delete(vnet(), Store())


def test_nic_attached_to_a_vm_cannot_be_deleted():
    assert code_of(check_delete, nic(), Store(vm())) == "NicInUse"
    check_delete(nic(), Store())


def test_load_balancer_with_member_nics_cannot_be_deleted():
    member = nic("nic1", [ipconfig("nic1", pools=(child("lb", "backendAddressPools", "pool1"),))])
    assert code_of(check_delete, lb(), Store(member)) == "InUseLoadBalancerCannotBeDeleted"
    check_delete(lb(), Store(nic()))
