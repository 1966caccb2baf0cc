"""The data path's security hop: NSGs (as Azure's effective rules state them) in front of each
backend, enforced by the kernel on real packets, and the deciding rule named when a row fails.

The namespace tests need root, iproute2 and nftables (skipped cleanly elsewhere); the program
and parsing tests run anywhere. Addresses exist only inside the namespaces the tests create.
"""

from __future__ import annotations

import json
from ipaddress import ip_address, ip_interface
from typing import Any

import pytest

from provisioner.guest.datapath import (
    BackendVM,
    DataPathError,
    MappingRule,
    Topology,
    available,
    run_datapath,
)
from provisioner.guest.datapath_security import (
    SECURE_BY_DEFAULT,
    VmSecurity,
    deciding,
    from_effective,
    parse_hits,
    ruleset,
)
from provisioner.guest.render import render_apply
from provisioner.guest.spec import GuestConfig, Listener

NSGS = "networkSecurityGroups"
FIP = ip_address("198.51.100.1")
VNET = ["10.0.0.0/16", "fd00:1::/48"]
INTERNET = ["192.0.0.0/8", "2001:db8::/32"]  # the part of Azure's expansion the client sits in
CLIENT = (ip_interface("192.0.2.10/24"), ip_interface("2001:db8:c::10/64"))
INSIDE = (ip_interface("10.0.255.254/32"),)
POOL = ("vm1", "vm2")


def eff_rule(
    name: str, priority: int, access: str = "Allow", port: str = "80-80", **kw: Any
) -> dict[str, Any]:
    """A rule as ``effectiveSecurityRules`` lists it (tags expanded)."""
    rule = {
        "name": name if "/" in name else f"securityRules/{name}",
        "protocol": "Tcp",
        "sourcePortRange": "0-65535",
        "destinationPortRange": port,
        "sourceAddressPrefix": "Internet",
        "expandedSourceAddressPrefix": INTERNET,
        "destinationAddressPrefix": "0.0.0.0/0",
        "access": access,
        "priority": priority,
        "direction": "Inbound",
    }
    rule.update(kw)
    return rule


DEFAULTS = [
    eff_rule(
        "defaultSecurityRules/AllowVnetInBound",
        65000,
        protocol="All",
        port="0-65535",
        sourceAddressPrefix="VirtualNetwork",
        expandedSourceAddressPrefix=VNET,
    ),
    eff_rule(
        "defaultSecurityRules/AllowAzureLoadBalancerInBound",
        65001,
        protocol="All",
        port="0-65535",
        sourceAddressPrefix="AzureLoadBalancer",
        expandedSourceAddressPrefix=["168.63.129.16/32", "fe80::1234:5678:9abc/128"],
    ),
    eff_rule(
        "defaultSecurityRules/DenyAllInBound",
        65500,
        access="Deny",
        protocol="All",
        port="0-65535",
        sourceAddressPrefix="0.0.0.0/0",
        expandedSourceAddressPrefix=None,
    ),
]
for _d in DEFAULTS:
    if _d["expandedSourceAddressPrefix"] is None:
        del _d["expandedSourceAddressPrefix"]


def group(name: str, *rules: dict[str, Any], scope: str = "subnet") -> dict[str, Any]:
    nsg = f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/{NSGS}/{name}"
    assoc = {"subnet": {"id": "…/subnets/backend"}} if scope == "subnet" else {
        "networkInterface": {"id": "…/networkInterfaces/nic"}
    }  # fmt: skip
    return {
        "networkSecurityGroup": {"id": nsg},
        "association": assoc,
        "effectiveSecurityRules": [*rules, *DEFAULTS],
    }


def security(*groups: dict[str, Any], standard: bool = True) -> VmSecurity:
    return from_effective(groups, VNET, standard)


def vms(sec: VmSecurity | None) -> tuple[BackendVM, ...]:
    return (
        BackendVM("vm1", (ip_interface("10.0.1.4/24"), ip_interface("fd00:1::4/64")), sec),
        BackendVM("vm2", (ip_interface("10.0.1.5/24"), ip_interface("fd00:1::5/64")), sec),
    )


def topology(sec: VmSecurity | None, *rows: MappingRule, enforce: bool = False) -> Topology:
    return Topology(
        client=CLIENT,
        vms=vms(sec),
        rows=rows,
        inside_client=INSIDE,
        enforce_secure_by_default=enforce,
    )


def scripts(topo: Topology) -> dict:
    out = {}
    for vm in topo.vms:
        listeners = tuple(
            Listener(r.frontend_ip, r.protocol, r.backend_port)
            for r in topo.rows
            if r.floating and vm.name in r.pool
        )
        out[vm.name] = render_apply(GuestConfig(vm=vm.name, os="linux", listeners=listeners))
    return out


# --- the program and the parsing (no root needed) ----------------------------------------------


def test_effective_rules_become_chains_subnet_first_in_priority_order():
    sec = security(
        group("nic-nsg", eff_rule("late", 300), scope="NIC"),
        group("subnet-nsg", eff_rule("b", 200), eff_rule("a", 100)),
    )
    assert [g.scope for g in sec.groups] == ["subnet", "NIC"]
    assert [r.name for r in sec.groups[0].rules][:2] == ["securityRules/a", "securityRules/b"]
    text = ruleset(sec, enforce_secure_by_default=False).text
    assert text.index("jump nsg0") < text.index("jump nsg1")
    assert "hook prerouting" in text and "hook input" not in text  # guest scripts own input
    assert 'drop comment "subnet-nsg (subnet): defaultSecurityRules/DenyAllInBound"' in text


def test_any_address_and_port_are_left_unmatched_and_families_split():
    [rule] = security(group("n")).groups[0].rules[-1:]
    assert rule.sources is None and rule.destination_ports is None and rule.protocol is None
    rs = ruleset(security(group("n", eff_rule("web", 100))), enforce_secure_by_default=False)
    web = [line for line in rs.text.splitlines() if "securityRules/web" in line]
    assert any("ip saddr { 192.0.0.0/8 }" in x for x in web)
    assert any("ip6 saddr { 2001:db8::/32 }" in x for x in web)
    assert all("th dport 80" in x for x in web)


def folded(name: str, priority: int, *ports: str) -> dict[str, Any]:
    """A rule with a port list (a derived rule folded by port), as effective rules list it."""
    rule = eff_rule(name, priority, destinationPortRanges=list(ports))
    del rule["destinationPortRange"]
    return rule


def test_a_port_list_is_one_nft_set_of_ports_and_ranges():
    sec = security(group("n", folded("lb_tcp-0-1023", 100, "80-80", "82-90", "443-443")))
    assert sec.groups[0].rules[0].destination_ports == ((80, 80), (82, 90), (443, 443))
    rs = ruleset(sec, enforce_secure_by_default=False)
    rows = [line for line in rs.text.splitlines() if "lb_tcp-0-1023" in line]
    assert rows and all("th dport { 80, 82-90, 443 }" in x for x in rows)


def test_no_nsg_filters_nothing_unless_secure_by_default_is_enforced():
    sec = security(standard=True)
    assert not sec.filters(enforce_secure_by_default=False)
    rs = ruleset(sec, enforce_secure_by_default=True)
    assert "ip saddr { 10.0.0.0/16, 168.63.129.16/32 } return" in rs.text
    assert [label for label, _ in rs.labels.values()] == [SECURE_BY_DEFAULT, SECURE_BY_DEFAULT]
    assert not security(standard=False).filters(enforce_secure_by_default=True)


def test_hits_name_the_deny_rule_that_saw_the_flow():
    listing = {
        "nftables": [
            {
                "set": {
                    "table": "pvnsg",
                    "name": "h0",
                    "elem": [{"concat": ["10.0.1.4", "tcp", 81]}],
                }
            },
            {
                "set": {
                    "table": "other",
                    "name": "h0",
                    "elem": [{"concat": ["10.0.1.4", "tcp", 81]}],
                }
            },
        ]
    }
    hits = parse_hits(json.dumps(listing))
    labels = {"h0": ("nsg (subnet): defaultSecurityRules/DenyAllInBound", False)}
    assert deciding(labels, hits, "10.0.1.4", "tcp", 81) == [labels["h0"][0]]
    assert deciding(labels, hits, "10.0.1.4", "tcp", 80) == []


# --- real packets --------------------------------------------------------------------------------

_WHY = available()
needs_root = [pytest.mark.datapath, pytest.mark.skipif(_WHY is not None, reason=_WHY or "")]


def by_name(results) -> dict:
    return {r.row.name: r for r in results}


@pytest.mark.datapath
@pytest.mark.skipif(_WHY is not None, reason=_WHY or "")
def test_an_nsg_admits_its_rows_and_names_the_rule_that_drops_the_others():
    sec = security(group("nsg-web", eff_rule("web", 100)))
    topo = topology(
        sec,
        MappingRule(FIP, "tcp", 80, True, 80, POOL, "floating-80"),
        MappingRule(FIP, "tcp", 81, False, 81, POOL, "dnat-81"),
        MappingRule(ip_address("198.51.100.2"), "tcp", 80, False, 80, POOL, "dnat-80"),
    )
    results = by_name(run_datapath(topo, scripts(topo)))
    assert results["floating-80"].ok and results["dnat-80"].ok
    blocked = results["dnat-81"]
    assert not blocked.ok
    assert blocked.detail == "dropped by NSG nsg-web (subnet): defaultSecurityRules/DenyAllInBound"


@pytest.mark.datapath
@pytest.mark.skipif(_WHY is not None, reason=_WHY or "")
def test_a_folded_rule_admits_the_ports_of_its_list_and_no_other():
    sec = security(group("nsg-fold", folded("lb_tcp-0-1023", 100, "80-80", "82-90")))
    topo = topology(
        sec,
        MappingRule(FIP, "tcp", 80, False, 80, POOL, "listed"),
        MappingRule(FIP, "tcp", 81, False, 81, POOL, "between"),
        MappingRule(FIP, "tcp", 85, False, 85, POOL, "in-a-range"),
    )
    results = by_name(run_datapath(topo, scripts(topo)))
    assert results["listed"].ok and results["in-a-range"].ok
    assert not results["between"].ok
    assert results["between"].detail.endswith("defaultSecurityRules/DenyAllInBound")


@pytest.mark.datapath
@pytest.mark.skipif(_WHY is not None, reason=_WHY or "")
def test_removing_one_rule_makes_exactly_its_rows_fail():
    rows = (
        MappingRule(FIP, "tcp", 80, True, 80, POOL, "web"),
        MappingRule(FIP, "tcp", 443, True, 443, POOL, "tls"),
        MappingRule(ip_address("198.51.100.2"), "udp", 53, False, 53, POOL, "dns"),
    )
    rules = [
        eff_rule("web", 100),
        eff_rule("tls", 110, port="443-443"),
        eff_rule("dns", 120, port="53-53", protocol="Udp"),
    ]
    full = topology(security(group("nsg", *rules)), *rows)
    assert all(r.ok for r in run_datapath(full, scripts(full)))
    without_tls = topology(security(group("nsg", rules[0], rules[2])), *rows)
    results = by_name(run_datapath(without_tls, scripts(without_tls)))
    assert [name for name, r in results.items() if not r.ok] == ["tls"]
    assert "defaultSecurityRules/DenyAllInBound" in results["tls"].detail


@pytest.mark.datapath
@pytest.mark.skipif(_WHY is not None, reason=_WHY or "")
def test_subnet_allows_but_the_nic_nsg_denies():
    sec = security(
        group("subnet-nsg", eff_rule("web", 100)),
        group("nic-nsg", eff_rule("no-web", 100, access="Deny"), scope="NIC"),
    )
    topo = topology(sec, MappingRule(FIP, "tcp", 80, True, 80, POOL, "web"))
    [result] = run_datapath(topo, scripts(topo))
    assert not result.ok and result.detail == "dropped by NSG nic-nsg (NIC): securityRules/no-web"


@pytest.mark.datapath
@pytest.mark.skipif(_WHY is not None, reason=_WHY or "")
def test_a_rule_aimed_at_the_vm_address_does_not_admit_floating_ip_traffic():
    sec = security(
        group("nsg", eff_rule("to-vms", 100, destinationAddressPrefix="10.0.1.0/24")),
    )
    topo = topology(
        sec,
        MappingRule(FIP, "tcp", 80, True, 80, POOL, "floating"),
        MappingRule(ip_address("198.51.100.2"), "tcp", 80, False, 80, POOL, "dnat"),
    )
    results = by_name(run_datapath(topo, scripts(topo)))
    assert results["dnat"].ok
    assert "DenyAllInBound" in results["floating"].detail


@pytest.mark.datapath
@pytest.mark.skipif(_WHY is not None, reason=_WHY or "")
def test_secure_by_default_drops_the_outside_and_lets_the_virtual_network_in():
    rows = (
        MappingRule(FIP, "tcp", 80, True, 80, POOL, "public"),
        MappingRule(ip_address("10.0.2.10"), "tcp", 80, False, 80, POOL, "internal", inside=True),
    )
    off = topology(security(), *rows)
    assert all(r.ok for r in run_datapath(off, scripts(off))), "not enforced: nothing filters"
    on = topology(security(), *rows, enforce=True)
    results = by_name(run_datapath(on, scripts(on)))
    assert results["internal"].ok, results["internal"].detail  # probes passed too
    assert results["public"].detail == f"dropped by NSG {SECURE_BY_DEFAULT}"


@pytest.mark.datapath
@pytest.mark.skipif(_WHY is not None, reason=_WHY or "")
def test_probes_come_from_the_probe_source_and_a_shadowing_deny_is_named():
    deny_probe = eff_rule(
        "deny-probe",
        4000,
        access="Deny",
        port="8080-8080",
        sourceAddressPrefix="AzureLoadBalancer",
        expandedSourceAddressPrefix=["168.63.129.16/32"],
    )
    topo = topology(
        security(group("nsg", eff_rule("web", 100), deny_probe)),
        MappingRule(FIP, "tcp", 80, True, 80, POOL, "web"),
    )
    with pytest.raises(DataPathError) as err:
        run_datapath(topo, scripts(topo))
    assert "dropped by NSG nsg (subnet): securityRules/deny-probe" in str(err.value)
