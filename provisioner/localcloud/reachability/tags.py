"""What the default service tags stand for, as address prefixes.

- ``VirtualNetwork``: the address space of the NIC's virtual network (peerings, gateways and
  on-premises ranges do not exist in the local cloud). Azure's definition also names "the
  virtual IP address of the host" (learn.microsoft.com/azure/virtual-network/service-tags-
  overview); the local cloud leaves 168.63.129.16 to ``AzureLoadBalancer`` so that a health
  probe is decided by ``AllowAzureLoadBalancerInBound`` (65001), as the NSG documentation
  explains it, not by ``AllowVnetInBound`` (65000).
- ``AzureLoadBalancer``: where health probes come from, 168.63.129.16 and, for IPv6 probes,
  fe80::1234:5678:9abc (learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-
  overview, "Probe source IP address").
- ``Internet``: public address space: every IPv4 address outside the private (RFC 1918),
  loopback, link-local, "this network", multicast and reserved ranges and the platform address,
  and IPv6 global unicast (2000::/3). Azure publishes its expansion in the effective rules
  (``expandedDestinationAddressPrefix`` of ``AllowInternetOutBound``: 32.0.0.0/3, 4.0.0.0/6 …,
  REST spec example ``NetworkInterfaceEffectiveNSGList.json``).

Any other service tag stands for addresses the local cloud does not have: it expands to nothing
and matches no address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: where Azure Load Balancer health probes (and the platform's other services) come from
PROBE_SOURCE_V4 = "168.63.129.16"
PROBE_SOURCE_V6 = "fe80::1234:5678:9abc"
AZURE_LOAD_BALANCER = (f"{PROBE_SOURCE_V4}/32", f"{PROBE_SOURCE_V6}/128")

_NOT_INTERNET_V4 = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/3",
    f"{PROBE_SOURCE_V4}/32",
)


def _complement(whole: str, holes: Iterable[str]) -> tuple[str, ...]:
    """``whole`` without ``holes``, as a sorted list of prefixes."""
    parts: list[Network] = [ipaddress.ip_network(whole)]
    for hole in (ipaddress.ip_network(h) for h in holes):
        next_parts: list[Network] = []
        for part in parts:
            if part.overlaps(hole):
                if hole.supernet_of(part):  # type: ignore[arg-type]
                    continue
                next_parts.extend(part.address_exclude(hole))  # type: ignore[arg-type]
            else:
                next_parts.append(part)
        parts = next_parts
    return tuple(str(p) for p in sorted(parts, key=lambda n: (n.version, n)))


INTERNET = (*_complement("0.0.0.0/0", _NOT_INTERNET_V4), "2000::/3")


def expand(tag: str, vnet_prefixes: Sequence[str]) -> tuple[str, ...] | None:
    """The prefixes a default service tag stands for; None when ``tag`` is not one of them."""
    low = tag.lower()
    if low == "virtualnetwork":
        return tuple(vnet_prefixes)
    if low == "azureloadbalancer":
        return AZURE_LOAD_BALANCER
    if low == "internet":
        return INTERNET
    return None


def networks(prefixes: Iterable[str]) -> tuple[Network, ...]:
    """Parsed prefixes; what does not parse is skipped (it matches nothing)."""
    out = []
    for p in prefixes:
        try:
            out.append(ipaddress.ip_network(p, strict=False))
        except ValueError:
            continue
    return tuple(out)


def contains(nets: Iterable[Network], address: str) -> bool:
    """Whether ``address`` lies in one of ``nets`` (of its own IP version)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(net.version == ip.version and ip in net for net in nets)
