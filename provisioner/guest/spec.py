"""What a backend VM's guest OS must hold for Floating IP, as validated values.

Every value that ends up in a generated script passes through these constructors first: addresses
are ``ipaddress`` objects (re-rendered by ``str()``), ports are ints in range, protocols and OS
names come from closed sets and the VM name matches a strict pattern. A renderer therefore never
sees a string it has not parsed, which is what keeps the scripts free of injected shell or
PowerShell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Literal, get_args

from provisioner.compile.desired import FrontendRef, GuestRequirement

IPAddress = IPv4Address | IPv6Address
Protocol = Literal["tcp", "udp", "all"]
OsName = Literal["linux", "windows"]
FirewallMode = Literal["auto", "off"]
CommandId = Literal["RunShellScript", "RunPowerShellScript"]

PROTOCOLS: tuple[str, ...] = get_args(Protocol)
OS_NAMES: tuple[str, ...] = get_args(OsName)
FIREWALL_MODES: tuple[str, ...] = get_args(FirewallMode)
COMMAND_IDS: tuple[str, ...] = get_args(CommandId)

#: Azure VM names: letters, digits, '-', '_', '.'; at most 64 characters (15 for a Windows
#: computer name, which the VM name need not be). Stricter than Azure on the first character.
VM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


class GuestSpecError(ValueError):
    """A value that cannot be put into a guest script (raised at construction, never later)."""


def parse_address(value: object) -> IPAddress:
    """An IPv4/IPv6 address from an address object or its text; anything else is rejected.

    Unicast host addresses only: a frontend IP is never a network, multicast or unspecified
    address, and a scoped IPv6 address (``fe80::1%eth0``) has no meaning on a load balancer.
    """
    if isinstance(value, IPv4Address | IPv6Address):
        addr = value
    elif isinstance(value, str):
        if not value or len(value) > 45 or value != value.strip():
            raise GuestSpecError(f"not an IP address: {value!r}")
        try:
            addr = ip_address(value)
        except ValueError as exc:
            raise GuestSpecError(f"not an IP address: {value!r}") from exc
    else:
        raise GuestSpecError(f"not an IP address: {value!r}")
    if isinstance(addr, IPv6Address) and addr.scope_id:
        raise GuestSpecError(f"scoped IPv6 address not allowed: {value!r}")
    if addr.is_multicast or addr.is_unspecified or addr.is_loopback:
        raise GuestSpecError(f"not a unicast host address: {value!r}")
    return addr


def _check_port(protocol: object, port: object) -> int:
    if isinstance(port, bool) or not isinstance(port, int):
        raise GuestSpecError(f"port must be an int, got {port!r}")
    if protocol == "all":
        # Azure HA ports: protocol All with frontend and backend port 0 means every port.
        if port != 0:
            raise GuestSpecError(f"protocol 'all' (HA ports) needs port 0, got {port}")
    elif not 1 <= port <= 65535:
        raise GuestSpecError(f"port must be 1..65535 for {protocol}, got {port}")
    return port


@dataclass(frozen=True)
class Listener:
    """One (frontend IP, protocol, backend port) the VM must accept; 'all' + port 0 = HA ports."""

    address: IPAddress
    protocol: Protocol
    port: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", parse_address(self.address))
        if self.protocol not in PROTOCOLS:
            raise GuestSpecError(f"protocol must be one of {PROTOCOLS}, got {self.protocol!r}")
        _check_port(self.protocol, self.port)

    @property
    def version(self) -> int:
        return self.address.version

    def as_json(self) -> dict[str, object]:
        return {"address": str(self.address), "protocol": self.protocol, "port": self.port}

    @property
    def token(self) -> str:
        """``address/protocol/port``: how the scripts and the check report name this entry."""
        return f"{self.address}/{self.protocol}/{self.port}"

    def sort_key(self) -> tuple[int, int, str, int]:
        return (self.version, int(self.address), self.protocol, self.port)


#: Where Azure's health probes come from over IPv4 (the ``AzureLoadBalancer`` tag's address;
#: learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16). No IPv6 source
#: is documented, so IPv6 probe entries are limited by their destination only.
PROBE_SOURCE_V4 = IPv4Address("168.63.129.16")


@dataclass(frozen=True)
class ProbePort:
    """A health probe's port on the VM's NIC address: TCP (http and https probes run over TCP),
    from :data:`PROBE_SOURCE_V4` for IPv4, from anywhere for IPv6."""

    address: IPAddress
    port: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", parse_address(self.address))
        _check_port("tcp", self.port)

    @property
    def protocol(self) -> str:
        return "tcp"

    @property
    def source(self) -> IPAddress | None:
        return PROBE_SOURCE_V4 if self.address.version == 4 else None

    def as_json(self) -> dict[str, object]:
        source = str(self.source) if self.source is not None else None
        return {
            "address": str(self.address),
            "protocol": "tcp",
            "port": self.port,
            "source": source,
        }

    def sort_key(self) -> tuple[int, int, int]:
        return (self.address.version, int(self.address), self.port)

    @property
    def token(self) -> str:
        """``address/tcp/port`` and ``/source`` when limited to one: the scripts' name for it."""
        base = f"{self.address}/tcp/{self.port}"
        return f"{base}/{self.source}" if self.source is not None else base


@dataclass(frozen=True)
class GuestConfig:
    """Everything one VM's scripts are rendered from.

    ``firewall='off'`` leaves the host firewall alone; ``persist=False`` skips the reboot
    persistence (the systemd unit on Linux; the persistent store on Windows). ``probes`` are
    the health probe ports to open on the NIC address; ``forwarding`` makes the VM forward
    IPv4 (a network virtual appliance).
    """

    vm: str
    os: OsName
    listeners: tuple[Listener, ...]
    firewall: FirewallMode = "auto"
    persist: bool = True
    probes: tuple[ProbePort, ...] = ()
    forwarding: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.vm, str) or not VM_NAME.match(self.vm):
            raise GuestSpecError(f"VM name must match {VM_NAME.pattern!r}, got {self.vm!r}")
        if self.os not in OS_NAMES:
            raise GuestSpecError(f"os must be one of {OS_NAMES}, got {self.os!r}")
        if self.firewall not in FIREWALL_MODES:
            raise GuestSpecError(f"firewall must be one of {FIREWALL_MODES}, got {self.firewall!r}")
        if not isinstance(self.persist, bool):
            raise GuestSpecError(f"persist must be a bool, got {self.persist!r}")
        listeners = tuple(self.listeners)
        if not all(isinstance(item, Listener) for item in listeners):
            raise GuestSpecError("listeners must be Listener values")
        if not isinstance(self.forwarding, bool):
            raise GuestSpecError(f"forwarding must be a bool, got {self.forwarding!r}")
        probes = tuple(self.probes)
        if not all(isinstance(item, ProbePort) for item in probes):
            raise GuestSpecError("probes must be ProbePort values")
        # Deduplicated and sorted, so the same demand always renders the same script.
        object.__setattr__(self, "listeners", tuple(sorted(set(listeners), key=Listener.sort_key)))
        object.__setattr__(self, "probes", tuple(sorted(set(probes), key=ProbePort.sort_key)))

    @property
    def addresses(self) -> tuple[IPAddress, ...]:
        """The frontend IPs to hold on the loopback, sorted (IPv4 first), without duplicates."""
        unique = {item.address for item in self.listeners}
        return tuple(sorted(unique, key=lambda a: (a.version, int(a))))

    @property
    def open(self) -> tuple[Listener, ...]:
        """What the firewall must let in: nothing when the firewall is left alone."""
        return self.listeners if self.firewall == "auto" else ()

    @property
    def probe_open(self) -> tuple[ProbePort, ...]:
        """The probe ports the firewall must let in: nothing when the firewall is left alone."""
        return self.probes if self.firewall == "auto" else ()


@dataclass(frozen=True)
class GuestScript:
    """A script for VM run-command: the command id and its lines (Azure's ``script`` array)."""

    command_id: CommandId
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.command_id not in COMMAND_IDS:
            raise GuestSpecError(f"command_id must be one of {COMMAND_IDS}")

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def config_from_requirement(
    req: GuestRequirement,
    resolve: Callable[[FrontendRef], object],
    nic_address: Callable[[str], object] | None = None,
) -> GuestConfig:
    """Turn the compiler's per-VM demand into a config, given live address resolvers.

    ``resolve`` returns a frontend's address and ``nic_address`` the VM's NIC address for an IP
    version (``"ipv4"``/``"ipv6"``; needed only when a probe reaches the VM), as read from live
    state (text or ``ipaddress`` objects); they are parsed here like any other input.
    """
    listeners: Iterable[Listener] = (
        Listener(
            address=parse_address(resolve(item.frontend)), protocol=item.protocol, port=item.port
        )
        for item in req.listeners
    )
    probes: list[ProbePort] = []
    for probe in req.probes:
        if nic_address is None:
            raise GuestSpecError(f"probe {probe.probe}: the NIC address is not known")
        probes.append(ProbePort(parse_address(nic_address(probe.ip_version)), probe.port))
    return GuestConfig(
        vm=req.vm,
        os=req.os,
        listeners=tuple(listeners),
        firewall=req.firewall,
        persist=req.persist,
        probes=tuple(probes),
        forwarding=req.forwarding,
    )
