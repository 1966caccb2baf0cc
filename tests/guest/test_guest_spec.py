"""The guest configuration accepts what Azure allows and refuses anything else at construction."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest

from provisioner.compile.desired import FrontendRef, GuestListener, GuestRequirement
from provisioner.guest.spec import (
    GuestConfig,
    GuestScript,
    GuestSpecError,
    Listener,
    config_from_requirement,
)


def test_listener_parses_addresses_and_keeps_objects() -> None:
    assert Listener("198.51.100.1", "tcp", 80).address == IPv4Address("198.51.100.1")
    assert Listener("2001:DB8::1", "udp", 53).address == IPv6Address("2001:db8::1")


def test_ha_ports_mean_protocol_all_with_port_zero() -> None:
    assert Listener("10.0.1.10", "all", 0).port == 0
    with pytest.raises(GuestSpecError):
        Listener("10.0.1.10", "all", 80)
    with pytest.raises(GuestSpecError):
        Listener("10.0.1.10", "tcp", 0)


@pytest.mark.parametrize("port", [-1, 65536, "80", 80.0, True, None])
def test_ports_must_be_ints_in_range(port: object) -> None:
    with pytest.raises(GuestSpecError):
        Listener("10.0.1.10", "tcp", port)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "addr", ["", "10.0.1.300", "10.0.1.0/24", "0.0.0.0", "::", "127.0.0.1", "224.0.0.1",
             "fe80::1%eth0", " 10.0.1.4", "10.0.1.4;reboot", "$(id)"],
)  # fmt: skip
def test_frontend_ip_must_be_a_unicast_host_address(addr: str) -> None:
    with pytest.raises(GuestSpecError):
        Listener(addr, "tcp", 80)


def test_protocol_comes_from_a_closed_set() -> None:
    with pytest.raises(GuestSpecError):
        Listener("10.0.1.4", "icmp", 80)  # type: ignore[arg-type]


def test_config_sorts_and_deduplicates_so_renders_are_stable() -> None:
    a = Listener("198.51.100.2", "tcp", 80)
    b = Listener("198.51.100.1", "tcp", 80)
    c = Listener("2001:db8::1", "tcp", 80)
    cfg = GuestConfig(vm="vm1", os="linux", listeners=(c, a, b, a))
    assert cfg.listeners == (b, a, c)
    assert [str(x) for x in cfg.addresses] == ["198.51.100.1", "198.51.100.2", "2001:db8::1"]


def test_firewall_off_opens_nothing() -> None:
    cfg = GuestConfig("vm1", "linux", (Listener("198.51.100.1", "tcp", 80),), firewall="off")
    assert cfg.open == ()


@pytest.mark.parametrize("vm", ["", "-vm", "vm 1", "vm;1", "a" * 65, "vm\n1", "vm'1"])
def test_vm_names_match_a_strict_pattern(vm: str) -> None:
    with pytest.raises(GuestSpecError):
        GuestConfig(vm=vm, os="linux", listeners=())


def test_os_and_command_id_are_closed_sets() -> None:
    with pytest.raises(GuestSpecError):
        GuestConfig(vm="vm1", os="macos", listeners=())  # type: ignore[arg-type]
    with pytest.raises(GuestSpecError):
        GuestScript(command_id="RunBatch", lines=[])  # type: ignore[arg-type]


def test_config_from_the_compilers_requirement_with_live_ips() -> None:
    ref = FrontendRef(load_balancer="lb", frontend="green", resource_key="public_ip/green")
    req = GuestRequirement(
        vm="vm1",
        vm_resource_key="virtual_machine/vm1",
        os="linux",
        listeners=(GuestListener(ref, "ipv4", "tcp", 80, "lb/green"),),
    )
    cfg = config_from_requirement(req, lambda r: {"green": "198.51.100.1"}[r.frontend])
    assert cfg.listeners == (Listener("198.51.100.1", "tcp", 80),)
    with pytest.raises(GuestSpecError):
        config_from_requirement(req, lambda r: "198.51.100.1; rm -rf /")
