"""The blueprint, format 1: a scenario described by a user, not a list of API calls.

The model is strict (unknown keys are errors) because a misspelt key silently ignored is the most
expensive kind of mistake in infrastructure: the load balancer comes up, just not as intended.
Field-level checks live here; checks that need the whole blueprint (references, Azure's load
balancer rules) live in ``provisioner.rules``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from provisioner.blueprint.user_tags import tags_problem

#: Names reach Azure resource names and, through them, guest scripts: keep them boring.
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9-]{0,39}$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]

#: An Azure resource id (brownfield references). Parsed further by the compiler.
RESOURCE_ID_PATTERN = r"^/subscriptions/[^/]+/resourceGroups/[^/]+(/providers/[^/]+/[^/]+/[^/]+)*$"
ResourceId = Annotated[str, StringConstraints(pattern=RESOURCE_ID_PATTERN)]

Port = Annotated[int, Field(ge=0, le=65535)]
Protocol = Literal["tcp", "udp", "all"]

#: Default VM sizes: the cheapest burstable size for Linux (1 GiB), and one with 4 GiB for
#: Windows Server, which needs at least 2 GiB (azure-traffic.md §6).
LINUX_SIZE = "Standard_B1s"
WINDOWS_SIZE = "Standard_B2s"

DURATION_PATTERN = r"^[1-9][0-9]*[mhd]$"
Duration = Annotated[str, StringConstraints(pattern=DURATION_PATTERN)]


class Strict(BaseModel):
    """Base for every blueprint node: unknown keys are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _network(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a CIDR prefix with its host bits zero ({exc})") from exc
    return str(net)


def _address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IP address") from exc


#: An NSG rule's address: a CIDR prefix, an address, a service tag (``Internet``,
#: ``AzureFrontDoor.Backend``) or ``*``. Checked by ``provisioner.rules`` with Azure's codes.
NsgAddress = Annotated[str, StringConstraints(min_length=1, max_length=100)]
#: A port (``22``), a range (``"8000-8100"``) or ``"*"``; checked with Azure's codes.
NsgPort = int | Annotated[str, StringConstraints(min_length=1, max_length=20)]


class NsgRule(Strict):
    """A security rule of your own in the environment's NSG, next to the ones the tool derives
    from the load balancer rules (which take priorities 1000-4096 that yours leave free)."""

    priority: int = Field(
        description="100-4096, unique per direction, lower wins; below 1000 comes before every "
        "rule the tool derives"
    )
    access: Literal["allow", "deny"]
    direction: Literal["inbound", "outbound"] = "inbound"
    protocol: Literal["tcp", "udp", "icmp", "all"] = "all"
    sources: list[NsgAddress] = Field(
        default_factory=lambda: ["*"],
        min_length=1,
        description="CIDR prefixes, addresses or service tags (Internet, VirtualNetwork…), or *",
    )
    destinations: list[NsgAddress] = Field(
        default_factory=lambda: ["*"],
        min_length=1,
        description="CIDR prefixes, addresses or service tags, or *",
    )
    ports: list[NsgPort] = Field(
        default_factory=lambda: ["*"],
        min_length=1,
        description="destination ports: 22, '8000-8100' or '*'",
    )


SecurityMode = Literal["managed", "existing", "none"]


class SubnetSecurity(Strict):
    """Which network security group guards a subnet (short forms: ``managed``, ``none``,
    ``{existing: ID}``)."""

    mode: SecurityMode = Field(
        default="managed",
        description="managed: the environment's own NSG, rules derived from the load balancer "
        "rules; existing: attach the NSG `existing` names (checked at plan); none: no NSG",
    )
    existing: ResourceId | None = Field(
        default=None, description="The network security group to attach (mode existing)"
    )
    acknowledge_no_nsg: bool = Field(
        default=False,
        description="mode none: yes, no NSG, so a public Standard load balancer delivers nothing",
    )

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: object) -> object:
        if isinstance(data, str):
            return {"mode": data}
        if isinstance(data, dict) and "existing" in data and "mode" not in data:
            return {**data, "mode": "existing"}
        return data

    @model_validator(mode="after")
    def _fields_fit_the_mode(self) -> SubnetSecurity:
        if self.mode == "existing" and self.existing is None:
            raise ValueError("security existing needs the NSG's resource id: {existing: ID}")
        if self.mode != "existing" and self.existing is not None:
            raise ValueError(f"existing (an NSG id) contradicts mode {self.mode}")
        if self.acknowledge_no_nsg and self.mode != "none":
            raise ValueError("acknowledge_no_nsg goes with mode none only")
        return self


class Security(SubnetSecurity):
    """The blueprint's network security: the NSG every subnet gets unless it says otherwise."""

    rules: dict[Name, NsgRule] = Field(
        default_factory=dict,
        description="Rules of your own in the managed NSG (mode managed only)",
    )

    @model_validator(mode="after")
    def _rules_need_managed(self) -> Security:
        if self.rules and self.mode != "managed":
            raise ValueError(f"rules go with mode managed only, not {self.mode}")
        return self


OutboundMode = Literal["nat_gateway", "lb_outbound_rule", "none", "existing"]


class Outbound(Strict):
    """How the VMs reach the internet (short form: the mode alone, ``outbound: nat_gateway``)."""

    mode: OutboundMode | None = Field(
        default=None,
        description="nat_gateway (default for a VNet the environment creates): a NAT gateway "
        "on every subnet with VMs; lb_outbound_rule: an outbound rule on a public load "
        "balancer; none: no outbound; existing (default with network.existing_id): the "
        "existing subnets' own",
    )
    load_balancer: Name | None = Field(
        default=None,
        description="lb_outbound_rule: the public load balancer (default: the only public one)",
    )
    acknowledge_no_outbound: bool = Field(
        default=False,
        description="mode none: yes, no outbound, so run-command (guest setup) cannot report back",
    )

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: object) -> object:
        return {"mode": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _fields_fit_the_mode(self) -> Outbound:
        if self.load_balancer is not None and self.mode != "lb_outbound_rule":
            raise ValueError("load_balancer goes with mode lb_outbound_rule only")
        if self.acknowledge_no_outbound and self.mode != "none":
            raise ValueError("acknowledge_no_outbound goes with mode none only")
        return self


class Subnet(Strict):
    """A subnet of the virtual network. The short form ``name: 10.0.1.0/24`` works too."""

    prefix: str = Field(description="IPv4 prefix, e.g. 10.0.1.0/24")
    ipv6_prefix: str | None = Field(
        default=None, description="IPv6 prefix (exactly /64) for dual-stack subnets"
    )
    security: SubnetSecurity | None = Field(
        default=None,
        description="This subnet's network security group, over the blueprint's `security`",
    )

    @field_validator("prefix")
    @classmethod
    def _check_prefix(cls, v: str) -> str:
        return _network(v)

    @field_validator("ipv6_prefix")
    @classmethod
    def _check_v6(cls, v: str | None) -> str | None:
        return None if v is None else _network(v)


class Network(Strict):
    address_space: list[str] = Field(
        description="Address prefixes of the virtual network (a single string is accepted)"
    )
    subnets: dict[Name, Subnet] = Field(min_length=1)
    existing_id: ResourceId | None = Field(
        default=None,
        description="Use this existing virtual network (brownfield); subnets must already exist",
    )

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: object) -> object:
        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("address_space"), str):
                data["address_space"] = [data["address_space"]]
            subnets = data.get("subnets")
            if isinstance(subnets, dict):
                data["subnets"] = {
                    k: ({"prefix": v} if isinstance(v, str) else v) for k, v in subnets.items()
                }
        return data

    @field_validator("address_space")
    @classmethod
    def _check_space(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("address_space needs at least one prefix")
        return [_network(p) for p in v]


class Vm(Strict):
    """A virtual machine (or ``count`` numbered ones) with one NIC in ``subnet``."""

    subnet: Name | None = Field(default=None, description="Required unless existing_id is set")
    os: Literal["linux", "windows"] = "linux"
    count: Annotated[int, Field(ge=1, le=100)] | None = Field(
        default=None, description="Make NAME-1 … NAME-count; pools may name NAME (all) or NAME-2"
    )
    size: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]+$")] = Field(
        default=LINUX_SIZE,
        description=f"Azure VM size; default {LINUX_SIZE} (Linux), {WINDOWS_SIZE} (Windows)",
    )
    image: str | None = Field(
        default=None,
        description="publisher:offer:sku:version; default Ubuntu 24.04 LTS or Windows Server 2022",
    )
    admin_username: Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_-]{0,31}$")] = (
        "azureuser"
    )
    ssh_public_key: str | None = Field(
        default=None, description="Linux: the admin's SSH public key (a throwaway one by default)"
    )
    private_ip: str | None = Field(
        default=None, description="Static private IP of the primary NIC (dynamic if absent)"
    )
    ipv6: bool = Field(
        default=False, description="Add an IPv6 IP configuration (needs subnet ipv6_prefix)"
    )
    existing_id: ResourceId | None = Field(
        default=None,
        description="An existing VM (brownfield): its primary NIC joins pools, its guest is set up",
    )
    ip_forwarding: bool = Field(
        default=False,
        description=(
            "A network virtual appliance: the NIC forwards traffic not addressed to it"
            " (enableIPForwarding) and the guest forwards IPv4 (sysctl / Set-NetIPInterface)"
        ),
    )

    @field_validator("private_ip")
    @classmethod
    def _check_ip(cls, v: str | None) -> str | None:
        return None if v is None else _address(v)

    @model_validator(mode="after")
    def _subnet_or_existing(self) -> Vm:
        if self.existing_id is None and self.subnet is None:
            raise ValueError("a new VM needs a subnet (or existing_id for a VM that exists)")
        if self.existing_id is not None and self.count is not None:
            raise ValueError("count cannot be combined with existing_id")
        if self.existing_id is not None and self.ip_forwarding:
            raise ValueError(
                "ip_forwarding cannot be combined with existing_id: the tool does not write an"
                " existing VM's NIC (set enableIPForwarding on it yourself)"
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def _default_size_by_os(cls, data: object) -> object:
        # Windows Server needs 2 GiB or more: on 1 GiB it boots slowly and run-command times out.
        if isinstance(data, dict) and data.get("os") == "windows" and "size" not in data:
            return {**data, "size": WINDOWS_SIZE}
        return data


class Frontend(Strict):
    """Public load balancers: a new Standard static public IP (or an existing one).
    Internal ones: an address in ``subnet``, static when ``private_ip`` is given."""

    ip_version: Literal["ipv4", "ipv6"] = "ipv4"
    subnet: Name | None = None
    private_ip: str | None = None
    public_ip_id: ResourceId | None = Field(
        default=None, description="Public: use this existing Standard public IP"
    )
    zones: list[Literal["1", "2", "3"]] | None = None

    @field_validator("private_ip")
    @classmethod
    def _check_ip(cls, v: str | None) -> str | None:
        return None if v is None else _address(v)


class Pool(Strict):
    vms: list[Name] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: object) -> object:
        return {"vms": data} if isinstance(data, list) else data


class Probe(Strict):
    protocol: Literal["tcp", "http", "https"] = "tcp"
    port: Annotated[int, Field(ge=1, le=65535)]
    path: str | None = Field(default=None, description="http/https only; must start with /")
    interval: Annotated[int, Field(ge=5, le=2147483646)] = 5
    threshold: Annotated[int, Field(ge=1, le=2147483647)] = 1

    @model_validator(mode="after")
    def _path_matches_protocol(self) -> Probe:
        if self.protocol == "tcp" and self.path is not None:
            raise ValueError("path is only for http and https probes")
        if self.protocol != "tcp":
            if self.path is None:
                raise ValueError(f"{self.protocol} probes need a path, e.g. /health")
            if not re.match(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$", self.path):
                raise ValueError("path must start with / and be a plain URL path")
        return self


class Rule(Strict):
    frontend: Name
    protocol: Protocol = "tcp"
    port: Port = Field(description="Frontend port (0 with protocol all: HA ports)")
    backend_port: Port | None = Field(default=None, description="Defaults to port")
    pool: Name
    probe: Name | None = None
    floating_ip: bool = False
    idle_timeout: Annotated[int, Field(ge=4, le=100)] = 4
    tcp_reset: bool = False
    load_distribution: Literal["default", "source_ip", "source_ip_protocol"] = "default"
    disable_outbound_snat: bool = False
    allow_from: list[NsgAddress] | None = Field(
        default=None,
        min_length=1,
        description="Who may reach this rule: CIDR prefixes or service tags (default: the load "
        "balancer's allow_from, else Internet for a public one, VirtualNetwork for an internal "
        "one)",
    )

    @property
    def effective_backend_port(self) -> int:
        return self.port if self.backend_port is None else self.backend_port


class LoadBalancer(Strict):
    type: Literal["public", "internal"]
    sku: Literal["standard"] = "standard"
    frontends: dict[Name, Frontend] = Field(min_length=1)
    pools: dict[Name, Pool] = Field(default_factory=dict)
    probes: dict[Name, Probe] = Field(default_factory=dict)
    rules: dict[Name, Rule] = Field(default_factory=dict)
    allow_from: list[NsgAddress] | None = Field(
        default=None,
        min_length=1,
        description="Who may reach the rules: CIDR prefixes or service tags (default: Internet "
        "for a public load balancer, VirtualNetwork for an internal one)",
    )

    @model_validator(mode="before")
    @classmethod
    def _empty_frontends(cls, data: object) -> object:
        # ``green: {}`` and ``green:`` (YAML null) both mean "all defaults".
        if isinstance(data, dict) and isinstance(data.get("frontends"), dict):
            data = dict(data)
            data["frontends"] = {k: (v or {}) for k, v in data["frontends"].items()}
        return data


class Guest(Strict):
    """What ``up`` does inside backend VMs of Floating IP rules."""

    configure: bool = Field(default=True, description="Set up loopback/weak host/firewall")
    firewall: Literal["auto", "off"] = "auto"
    persist: bool = Field(default=True, description="Keep the loopback addresses across reboots")


class Defaults(Strict):
    ttl: Duration | None = Field(default=None, description="Default --ttl, e.g. 4h, 30m, 2d")

    @field_validator("ttl")
    @classmethod
    def _at_most_a_century(cls, v: str | None) -> str | None:
        if v is not None:
            amount, unit = int(v[:-1]), v[-1]
            minutes = amount * {"m": 1, "h": 60, "d": 1440}[unit]
            if minutes > 36500 * 1440:
                raise ValueError(f"ttl {v!r} is longer than 100 years (36500d)")
        return v


class Blueprint(Strict):
    blueprint: Literal[1] = Field(description="Format version; always 1")
    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    location: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+$")]
    description: str | None = None
    resource_group_id: ResourceId | None = Field(
        default=None,
        description="Deploy into this existing resource group instead of creating one",
    )
    defaults: Defaults = Field(default_factory=Defaults)
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="Tags put on every resource the environment creates (the tool's own win)",
    )
    network: Network
    vms: dict[Name, Vm] = Field(default_factory=dict)
    load_balancers: dict[Name, LoadBalancer] = Field(default_factory=dict)
    guest: Guest = Field(default_factory=Guest)
    security: Security = Field(
        default_factory=Security,
        description="Network security groups: managed (default), {existing: ID} or none",
    )
    outbound: Outbound = Field(
        default_factory=Outbound,
        description="Outbound for the VMs: nat_gateway (default), lb_outbound_rule or none",
    )

    @field_validator("tags")
    @classmethod
    def _azure_tags(cls, v: dict[str, str]) -> dict[str, str]:
        problem = tags_problem(v)
        if problem:
            raise ValueError(problem)
        return v

    def expanded_vms(self) -> dict[str, tuple[str, Vm]]:
        """Every concrete VM name → (the blueprint key it came from, its spec).

        ``web: {count: 3}`` yields web-1, web-2, web-3, all pointing back at ``web``.
        """
        out: dict[str, tuple[str, Vm]] = {}
        for key, vm in self.vms.items():
            if vm.count is None:
                out[key] = (key, vm)
            else:
                for i in range(1, vm.count + 1):
                    out[f"{key}-{i}"] = (key, vm)
        return out
