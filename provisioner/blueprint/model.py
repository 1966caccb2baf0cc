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


class Subnet(Strict):
    """A subnet of the virtual network. The short form ``name: 10.0.1.0/24`` works too."""

    prefix: str = Field(description="IPv4 prefix, e.g. 10.0.1.0/24")
    ipv6_prefix: str | None = Field(
        default=None, description="IPv6 prefix (exactly /64) for dual-stack subnets"
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
    size: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]+$")] = "Standard_B1s"
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
        return self


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
