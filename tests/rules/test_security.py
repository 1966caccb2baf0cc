"""Network security and outbound: Azure's codes for what it refuses, ours for what would carry
nothing, and the acknowledgements a blueprint gives when it wants none."""

from rules_helpers import LB, check, errors, internal, only, rule_type_1, rule_type_2, rules

from provisioner.blueprint.model import Blueprint
from provisioner.rules import codes
from provisioner.rules.security import check_existing_nsgs

NSG_ID = "/subscriptions/s/resourceGroups/corp/providers/Microsoft.Network/networkSecurityGroups/x"


def with_rules(doc, **named):
    doc["security"] = {"rules": named}
    return doc


def allow(priority, **kw):
    return {"priority": priority, "access": "allow", **kw}


def deny(priority, **kw):
    return {"priority": priority, "access": "deny", **kw}


# -- the user's own rules, as Azure checks them ---------------------------------------------------


def test_a_priority_outside_100_to_4096_is_azures_invalid_priority():
    f = only(with_rules(rule_type_1(), ssh=allow(4097, ports=[22])), codes.NSG_PRIORITY)
    assert f.path == ("security", "rules", "ssh", "priority")
    assert "4097" in f.message and "100 to 4096" in f.message


def test_two_rules_of_one_direction_on_one_priority_conflict_but_directions_do_not():
    doc = with_rules(
        rule_type_1(),
        a=allow(300, ports=[22]),
        b=allow(300, ports=[23]),
        c=allow(300, ports=[24], direction="outbound"),
    )
    f = only(doc, codes.NSG_CONFLICT)
    assert f.path == ("security", "rules", "b", "priority")
    assert f.related == (("security", "rules", "a", "priority"),)


def test_port_ranges_must_be_a_port_a_range_or_star():
    doc = with_rules(rule_type_1(), a=allow(300, ports=[22, "1000-2000", "*", "90-80", "x"]))
    found = [f.path for f in errors(doc) if f.code == codes.NSG_PORT_RANGE]
    assert found == [("security", "rules", "a", "ports", 3), ("security", "rules", "a", "ports", 4)]


def test_addresses_are_prefixes_without_host_bits_known_service_tags_or_star():
    doc = with_rules(
        rule_type_1(),
        a=allow(300, sources=["203.0.113.7/24"]),
        b=allow(301, sources=["AzureFrontDoor.Backend"]),
        c=allow(302, sources=["Storage.WestEurope"]),
        d=allow(303, sources=["backend"]),  # a subnet's name is not a tag
        e=allow(304, destinations=["*"]),
    )
    found = [f.path[2] for f in errors(doc) if f.code == codes.NSG_ADDRESS_PREFIX]
    assert found == ["a", "d"]


def test_a_tag_among_several_addresses_is_refused_as_azure_does():
    doc = with_rules(rule_type_1(), a=allow(300, sources=["10.9.0.0/16", "Internet"]))
    f = only(doc, codes.NSG_UNSUPPORTED_VALUE)
    assert f.path == ("security", "rules", "a", "sources", 1)


def test_ipv4_and_ipv6_in_one_rule_are_two_address_families():
    doc = with_rules(
        rule_type_1(), a=allow(300, sources=["10.9.0.0/16"], destinations=["fd00::/64"])
    )
    assert only(doc, codes.NSG_MIXED_FAMILIES).path == ("security", "rules", "a")


def test_more_than_1000_rules_in_the_nsg_counts_the_derived_ones_too():
    doc = rule_type_1()  # derives 2 rule families (ports 80, 81) and 1 probe family (8080)
    doc["security"] = {"rules": {f"r{i}": allow(100 + i, ports=[1 + i]) for i in range(997)}}
    assert codes.NSG_RULE_LIMIT not in {f.code for f in check(doc)}
    doc["security"]["rules"]["one-more"] = allow(3000, ports=[9999])
    # 1001 rules one per family: ports 80 and 81 share source and destinations, so they fold
    # into one rule with a port list, and the NSG holds 1000
    assert codes.NSG_RULE_LIMIT not in {f.code for f in check(doc)}
    doc["security"]["rules"]["and-another"] = allow(3001, ports=[9998])
    f = only(doc, codes.NSG_RULE_LIMIT)
    assert "1001 rules (3 derived" in f.message
    assert "2 once folded" in f.message and "999 of your own" in f.message


def test_without_a_managed_nsg_nothing_is_derived_and_nothing_counted():
    doc = rule_type_1()
    doc["security"] = {"mode": "none", "acknowledge_no_nsg": True}
    lb = doc["load_balancers"]["lb"]
    lb["rules"] = {f"r{i}": {"frontend": "green", "port": i, "pool": "app"} for i in range(1, 1100)}
    assert codes.NSG_RULE_LIMIT not in {f.code for f in check(doc)}


# -- allow_from ---------------------------------------------------------------------------------


def test_allow_from_takes_prefixes_and_service_tags_and_is_checked_like_a_source():
    doc = rule_type_1()
    doc["load_balancers"]["lb"]["allow_from"] = ["203.0.113.0/24", "AzureFrontDoor.Backend"]
    rules(doc)["green"]["allow_from"] = ["10.1.2.3/8"]
    f = only(doc, codes.NSG_ADDRESS_PREFIX)
    assert f.path == LB("rules", "green", "allow_from", 0)


def test_an_ipv6_rule_whose_allow_from_holds_only_ipv4_prefixes_reaches_nobody():
    doc = rule_type_1()
    doc["network"] = {
        "address_space": ["10.0.0.0/16", "fd00:db8::/48"],
        "subnets": {"backend": {"prefix": "10.0.1.0/24", "ipv6_prefix": "fd00:db8::/64"}},
    }
    for vm in doc["vms"].values():
        vm["ipv6"] = True
    lb = doc["load_balancers"]["lb"]
    lb["frontends"]["six"] = {"ip_version": "ipv6"}
    lb["pools"]["v6"] = ["vm1", "vm2"]
    lb["rules"]["six"] = {
        "frontend": "six",
        "port": 443,
        "pool": "v6",
        "allow_from": ["1.2.3.0/24"],
    }
    f = only(doc, codes.IP_VERSION_MISMATCH)
    assert f.path == LB("rules", "six", "allow_from")


# -- rules that would take a row's or a probe's traffic -------------------------------------------


def test_a_deny_covering_a_rules_whole_traffic_is_reported_with_the_row():
    doc = with_rules(rule_type_1(), block=deny(150, protocol="tcp", ports=["80-81"]))
    found = [(f.code, f.related) for f in errors(doc)]
    assert (codes.NSG_DENIES_ROW, (LB("rules", "green"),)) in found
    assert (codes.NSG_DENIES_ROW, (LB("rules", "purple"),)) in found


def test_a_deny_of_part_of_the_internet_is_a_choice_not_a_mistake():
    doc = with_rules(rule_type_1(), block=deny(150, ports=[80], sources=["198.51.100.0/24"]))
    assert errors(doc) == []


def test_a_deny_of_the_probe_port_from_anywhere_takes_the_probes_too():
    doc = with_rules(rule_type_1(), no=deny(150, ports=[8080]))
    f = only(doc, codes.NSG_DENIES_PROBE)
    assert f.related == (LB("probes", "health"),)
    assert "AzureLoadBalancer" in f.message


def test_a_deny_of_a_floating_rules_port_covers_its_frontend_address():
    doc = with_rules(rule_type_2(), no=deny(150, protocol="tcp", ports=[80], sources=["Internet"]))
    assert {f.related for f in errors(doc) if f.code == codes.NSG_DENIES_ROW} == {
        (LB("rules", "green"),),
        (LB("rules", "purple"),),
    }


def test_an_internal_rows_traffic_from_inside_the_vnet_is_covered_by_a_vnet_wide_deny():
    doc = internal(rule_type_1())
    doc["load_balancers"]["ilb"]["rules"] = {
        "api": {"frontend": "fe", "port": 443, "pool": "app", "probe": "health"}
    }
    with_rules(doc, no=deny(150, ports=[443], sources=["10.0.0.0/8"]))
    f = only(doc, codes.NSG_DENIES_ROW)
    assert f.related == (LB("rules", "api", lb="ilb"),)


# -- none, acknowledged or not ------------------------------------------------------------------


def test_security_none_needs_its_acknowledgement_and_then_warns():
    doc = rule_type_1()
    doc["security"] = "none"
    assert only(doc, codes.NO_NSG_NOT_ACKNOWLEDGED).path == ("security", "mode")
    doc["security"] = {"mode": "none", "acknowledge_no_nsg": True}
    assert errors(doc) == []
    assert only(doc, codes.NO_NSG).severity == "warning"


def test_a_subnet_may_opt_out_on_its_own():
    doc = rule_type_1()
    doc["network"]["subnets"]["backend"] = {"prefix": "10.0.1.0/24", "security": "none"}
    f = only(doc, codes.NO_NSG_NOT_ACKNOWLEDGED)
    assert f.path == ("network", "subnets", "backend", "security", "mode")


def test_outbound_none_with_guest_setup_needs_its_acknowledgement():
    doc = rule_type_1()
    doc["outbound"] = "none"
    assert only(doc, codes.NO_OUTBOUND_NOT_ACKNOWLEDGED).path == ("outbound", "mode")
    doc["outbound"] = {"mode": "none", "acknowledge_no_outbound": True}
    assert errors(doc) == [] and only(doc, codes.NO_OUTBOUND).severity == "warning"
    doc["outbound"] = "none"
    doc["guest"] = {"configure": False}  # no run-command, nothing to report back
    assert errors(doc) == [] and only(doc, codes.NO_OUTBOUND).severity == "warning"


def test_the_model_refuses_fields_that_contradict_the_mode():
    import pydantic
    import pytest

    for bad in (
        {"security": {"mode": "existing"}},
        {"security": {"mode": "managed", "existing": NSG_ID}},
        {"security": {"mode": "managed", "acknowledge_no_nsg": True}},
        {"security": {"existing": NSG_ID, "rules": {"a": allow(200)}}},
        {"outbound": {"mode": "nat_gateway", "load_balancer": "lb"}},
        {"outbound": {"mode": "lb_outbound_rule", "acknowledge_no_outbound": True}},
    ):
        with pytest.raises(pydantic.ValidationError):
            Blueprint.model_validate({**rule_type_1(), **bad})
    bp = Blueprint.model_validate({**rule_type_1(), "security": {"existing": NSG_ID}})
    assert bp.security.mode == "existing"


# -- outbound ------------------------------------------------------------------------------------


def test_lb_outbound_rule_needs_one_public_load_balancer():
    doc = internal(rule_type_1())
    del doc["load_balancers"]["lb"]
    doc["outbound"] = "lb_outbound_rule"
    assert "no public load balancer" in only(doc, codes.OUTBOUND_NEEDS_PUBLIC_LB).message
    doc = internal(rule_type_1())
    doc["outbound"] = {"mode": "lb_outbound_rule", "load_balancer": "ilb"}
    f = only(doc, codes.OUTBOUND_NEEDS_PUBLIC_LB)
    assert f.path == ("outbound", "load_balancer") and "internal" in f.message
    doc["outbound"] = {"mode": "lb_outbound_rule", "load_balancer": "lbb"}
    assert only(doc, codes.INVALID_REFERENCE).path == ("outbound", "load_balancer")
    doc["outbound"] = "lb_outbound_rule"  # one public (lb), one internal: lb it is
    assert errors(doc) == []


def test_two_public_load_balancers_need_the_outbound_one_named():
    doc = rule_type_1()
    doc["load_balancers"]["other"] = doc["load_balancers"]["lb"]
    doc["outbound"] = "lb_outbound_rule"
    assert "2 public" in only(doc, codes.OUTBOUND_NEEDS_PUBLIC_LB).message


def test_a_nat_gateway_needs_subnets_the_environment_writes():
    doc = rule_type_1()
    doc["network"]["existing_id"] = "/subscriptions/s/resourceGroups/n/providers/x/y/vnet"
    doc["outbound"] = "nat_gateway"
    assert only(doc, codes.NAT_GATEWAY_NEEDS_OWN_VNET).path == ("outbound", "mode")
    del doc["outbound"]  # the default for an existing VNet: its subnets' own outbound
    assert codes.NAT_GATEWAY_NEEDS_OWN_VNET not in {f.code for f in check(doc)}
    doc = rule_type_1()
    doc["outbound"] = "existing"
    assert only(doc, codes.EXISTING_OUTBOUND_NEEDS_EXISTING_VNET).path == ("outbound", "mode")


def test_the_floating_ip_outbound_warning_names_the_blueprints_own_fix():
    doc = rule_type_2()
    del rules(doc)["green"]["disable_outbound_snat"]
    assert "NAT gateway" in only(doc, codes.FIP_OUTBOUND).hint
    doc["outbound"] = {"mode": "none", "acknowledge_no_outbound": True}
    assert "outbound: nat_gateway" in only(doc, codes.FIP_OUTBOUND).hint
    doc["outbound"] = "lb_outbound_rule"  # the tool disables SNAT on that load balancer's rules
    assert codes.FIP_OUTBOUND not in {f.code for f in check(doc)}


# -- an existing NSG, at plan time ----------------------------------------------------------------


def _nsg(*custom):
    return {"properties": {"securityRules": list(custom)}}


def _rule(name, priority, access, port, source="Internet", destination="*", protocol="Tcp"):
    return {
        "name": name,
        "properties": {
            "priority": priority,
            "access": access,
            "direction": "Inbound",
            "protocol": protocol,
            "sourceAddressPrefix": source,
            "destinationAddressPrefix": destination,
            "destinationPortRange": str(port),
        },
    }


def _existing(doc):
    doc["security"] = {"existing": NSG_ID}
    return Blueprint.model_validate(doc)


def test_an_existing_nsg_without_rules_blocks_every_public_row_by_denyallinbound():
    findings = check_existing_nsgs(_existing(rule_type_1()), {NSG_ID.lower(): _nsg()})
    assert [(f.code, f.related) for f in findings] == [
        (codes.NSG_DENIES_ROW, (LB("rules", "green"),)),
        (codes.NSG_DENIES_ROW, (LB("rules", "purple"),)),
    ]
    assert "'DenyAllInBound' (priority 65500" in findings[0].message
    assert findings[0].path == ("security", "existing")


def test_an_existing_nsg_that_allows_the_rows_passes_and_its_deny_is_named():
    nsg = _nsg(
        _rule("web", 300, "Allow", "80-81"),
        _rule("no-health", 200, "Deny", 8080, source="*"),
    )
    findings = check_existing_nsgs(_existing(rule_type_1()), {NSG_ID.lower(): nsg})
    assert [(f.code, f.related) for f in findings] == [
        (codes.NSG_DENIES_PROBE, (LB("probes", "health"),))
    ]
    assert "'no-health' (priority 200" in findings[0].message


def test_floating_rows_are_judged_at_their_frontend_address_once_it_is_known():
    bp = _existing(rule_type_2())
    only_green = _nsg(_rule("green", 300, "Allow", 80, destination="52.1.1.1/32"))
    unknown = check_existing_nsgs(bp, {NSG_ID.lower(): only_green})
    assert len([f for f in unknown if f.code == codes.NSG_DENIES_ROW]) == 2
    known = {("lb", "green"): "52.1.1.1", ("lb", "purple"): "52.1.1.2"}
    found = check_existing_nsgs(bp, {NSG_ID.lower(): only_green}, known)
    assert [f.related for f in found if f.code == codes.NSG_DENIES_ROW] == [
        (LB("rules", "purple"),)
    ]


def test_a_missing_existing_nsg_is_an_invalid_reference():
    (f,) = check_existing_nsgs(_existing(rule_type_1()), {NSG_ID.lower(): None})
    assert f.code == codes.INVALID_REFERENCE and NSG_ID in f.message
