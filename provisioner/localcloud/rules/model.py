"""Typed views of the ARM documents the checks read, parsed once per check.

Documents arrive as JSON from clients, so every accessor tolerates missing or mistyped fields:
a malformed value becomes ``None`` and the schema checks report it, instead of a ``TypeError``
escaping as a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .ids import items, key, props, ref, refs

LB_TYPE = "Microsoft.Network/loadBalancers"
NIC_TYPE = "Microsoft.Network/networkInterfaces"
PIP_TYPE = "Microsoft.Network/publicIPAddresses"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
VM_TYPE = "Microsoft.Compute/virtualMachines"
NSG_TYPE = "Microsoft.Network/networkSecurityGroups"
NAT_TYPE = "Microsoft.Network/natGateways"
PREFIX_TYPE = "Microsoft.Network/publicIPPrefixes"

PROTOCOLS = ("Tcp", "Udp", "All")


def as_int(value: object) -> int | None:
    """An integer field, or None when absent or not an integer (JSON booleans excluded)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def sku_name(doc: dict, default: str = "Basic") -> str:
    """The SKU name; Azure echoes Basic when a client omitted it (REC-LB)."""
    sku = doc.get("sku") if isinstance(doc, dict) else None
    name = sku.get("name") if isinstance(sku, dict) else None
    return name if isinstance(name, str) and name else default


@dataclass(frozen=True)
class Frontend:
    """A load balancer frontend IP configuration."""

    id: str
    public_ip: str | None
    subnet: str | None
    private_ip: str | None
    static: bool
    ipv6: bool


@dataclass(frozen=True)
class Rule:
    """A load balancing rule or an inbound NAT rule, reduced to what the checks compare."""

    id: str
    nat: bool
    frontend: str | None
    pools: tuple[str, ...]
    probe: str | None
    protocol: object
    frontend_port: int | None
    backend_port: int | None
    floating: bool
    idle_timeout: object
    port_range: tuple[int, int] | None = None
    disable_snat: bool = False

    @property
    def ha_ports(self) -> bool:
        """Protocol All with frontend and backend port 0: the HA ports rule."""
        return (
            not self.nat
            and self.protocol == "All"
            and self.frontend_port == 0
            and self.backend_port == 0
        )


@dataclass(frozen=True)
class Pool:
    """A backend address pool and the NIC ipconfig ids the LB document lists as members."""

    id: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class OutboundRule:
    """An outbound rule: the frontends whose addresses SNAT the pool, and the ports each member
    gets (``allocated_ports`` 0 lets Azure size them)."""

    id: str
    frontends: tuple[str, ...]
    pool: str | None
    protocol: object
    allocated_ports: object


@dataclass
class LoadBalancer:
    """A load balancer document parsed into frontends, pools, probes and rules."""

    id: str
    sku: str
    frontends: list[Frontend] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    nat_rules: list[Rule] = field(default_factory=list)
    outbound: list[OutboundRule] = field(default_factory=list)
    nat_pools: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def public(self) -> bool:
        """Public when any frontend uses a public IP (the LB "type" of U5)."""
        return any(fe.public_ip for fe in self.frontends)

    def frontend(self, frontend_id: str | None) -> Frontend | None:
        """The frontend with this id, compared case-insensitively."""
        wanted = key(frontend_id)
        return next((fe for fe in self.frontends if key(fe.id) == wanted), None)


def _rule(entry: dict, nat: bool) -> Rule:
    p = props(entry)
    pools = refs(p.get("backendAddressPools"))
    single = ref(p.get("backendAddressPool"))
    if single and key(single) not in {key(x) for x in pools}:
        pools.insert(0, single)
    start, end = as_int(p.get("frontendPortRangeStart")), as_int(p.get("frontendPortRangeEnd"))
    return Rule(
        id=str(entry.get("id") or entry.get("name") or ""),
        nat=nat,
        frontend=ref(p.get("frontendIPConfiguration")),
        pools=tuple(pools),
        probe=ref(p.get("probe")),
        protocol=p.get("protocol"),
        frontend_port=as_int(p.get("frontendPort")),
        backend_port=as_int(p.get("backendPort")),
        floating=p.get("enableFloatingIP") is True,
        idle_timeout=p.get("idleTimeoutInMinutes"),
        port_range=(start, end) if nat and start is not None and end is not None else None,
        disable_snat=p.get("disableOutboundSnat") is True,
    )


def _frontend(entry: dict) -> Frontend:
    p = props(entry)
    ip = p.get("privateIPAddress")
    return Frontend(
        id=str(entry.get("id") or entry.get("name") or ""),
        public_ip=ref(p.get("publicIPAddress")),
        subnet=ref(p.get("subnet")),
        private_ip=ip if isinstance(ip, str) and ip else None,
        static=p.get("privateIPAllocationMethod") == "Static",
        ipv6=p.get("privateIPAddressVersion") == "IPv6",
    )


def _pool_members(entry: dict) -> tuple[str, ...]:
    p = props(entry)
    members = refs(p.get("backendIPConfigurations"))
    for address in items(p.get("loadBalancerBackendAddresses")):
        member = ref(props(address).get("networkInterfaceIPConfiguration"))
        if member:
            members.append(member)
    return tuple(members)


def parse_load_balancer(doc: dict) -> LoadBalancer:
    """Parse an LB document (as stored or as about to be stored)."""
    p = props(doc)
    lb = LoadBalancer(id=str(doc.get("id") or ""), sku=sku_name(doc))
    lb.frontends = [_frontend(e) for e in items(p.get("frontendIPConfigurations"))]
    lb.pools = [
        Pool(str(e.get("id") or e.get("name") or ""), _pool_members(e))
        for e in items(p.get("backendAddressPools"))
    ]
    lb.probes = [str(e.get("id") or e.get("name") or "") for e in items(p.get("probes"))]
    lb.rules = [_rule(e, nat=False) for e in items(p.get("loadBalancingRules"))]
    lb.nat_rules = [_rule(e, nat=True) for e in items(p.get("inboundNatRules"))]
    for entry in items(p.get("outboundRules")):
        op = props(entry)
        lb.outbound.append(
            OutboundRule(
                id=str(entry.get("id") or entry.get("name") or ""),
                frontends=tuple(refs(op.get("frontendIPConfigurations"))),
                pool=ref(op.get("backendAddressPool")),
                protocol=op.get("protocol"),
                allocated_ports=op.get("allocatedOutboundPorts"),
            )
        )
    for entry in items(p.get("inboundNatPools")):
        lb.nat_pools.append(
            (
                str(entry.get("id") or entry.get("name") or ""),
                ref(props(entry).get("frontendIPConfiguration")),
            )
        )
    return lb


@dataclass(frozen=True)
class IPConfig:
    """A NIC IP configuration: what it joins, which address it holds, whether it is primary."""

    id: str
    nic: str
    primary: bool
    pools: tuple[str, ...]
    nat_rules: tuple[str, ...]
    subnet: str | None
    private_ip: str | None
    static: bool
    public_ip: str | None
    ipv6: bool = False


def parse_ipconfigs(nic_doc: dict) -> list[IPConfig]:
    """A NIC's IP configurations; a lone ipconfig is primary even if the flag is missing."""
    entries = items(props(nic_doc).get("ipConfigurations"))
    nic_id = str(nic_doc.get("id") or "")
    out = []
    for entry in entries:
        p = props(entry)
        ip = p.get("privateIPAddress")
        out.append(
            IPConfig(
                id=str(entry.get("id") or f"{nic_id}/ipConfigurations/{entry.get('name')}"),
                nic=nic_id,
                primary=p.get("primary") is True or len(entries) == 1,
                pools=tuple(refs(p.get("loadBalancerBackendAddressPools"))),
                nat_rules=tuple(refs(p.get("loadBalancerInboundNatRules"))),
                subnet=ref(p.get("subnet")),
                private_ip=ip if isinstance(ip, str) and ip else None,
                static=p.get("privateIPAllocationMethod") == "Static",
                public_ip=ref(p.get("publicIPAddress")),
                ipv6=p.get("privateIPAddressVersion") == "IPv6",
            )
        )
    return out
