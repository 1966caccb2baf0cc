"""Where Floating IP works, and where it does not.

Azure's Floating IP page: Floating IP for IPv6 does not work on internal load balancers, and
Floating IP is not supported on a NIC's secondary IP configurations, except for dual-stack public
load balancers. In a blueprint every VM's IPv4 configuration is primary and its IPv6 one is
secondary, so the secondary-configuration rule only bites IPv6 rules, and for public load balancers
the documented exception applies: both limitations meet in one check, on internal IPv6 rules.
Azure documents this as "does not work" rather than an error code, so the code is ours.
"""

from __future__ import annotations

from provisioner.errors import Finding
from provisioner.rules import codes
from provisioner.rules.index import BlueprintIndex, finding


def check_floating_ip(ix: BlueprintIndex) -> list[Finding]:
    out: list[Finding] = []
    for info in ix.rules:
        if info.rule.floating_ip and info.ip_version == "ipv6" and info.lb_type == "internal":
            out.append(
                finding(
                    codes.FIP_IPV6_INTERNAL,
                    f"rule {info.name!r} enables floating IP on IPv6 frontend "
                    f"{info.rule.frontend!r} of internal load balancer {info.lb!r}: Floating IP "
                    "for IPv6 does not work on internal load balancers (and the VM's IPv6 "
                    "configuration is a secondary one)",
                    (*info.path, "floating_ip"),
                    hint=f"remove floating_ip from rule {info.name!r} (give it its own backend "
                    "port instead), or serve IPv6 through a public load balancer",
                    related=(("load_balancers", info.lb, "frontends", info.rule.frontend),),
                )
            )
    return out
