"""Flows at the backend: what each rule delivers to each backend IP configuration.

Azure's central rule (Multiple frontends, rule types 1 and 2): every rule must produce a flow with
a unique (destination IP, protocol, destination port) at each backend IP configuration. The
destination IP is the VM's NIC IP when Floating IP is off and the frontend's IP when it is on, so
two Floating IP rules on different frontends may share backend port 80 while two plain rules may
not. Protocol ``all`` (HA ports) overlaps both tcp and udp.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.rules.index import RuleInfo

#: The destination IP of a flow, as an identity rather than an address (dynamic IPs are unknown
#: before apply): ("nic",) is the backend IP configuration's own address; ("frontend", lb, name)
#: is a frontend's address, bound inside the guest on a loopback.
Destination = tuple[str, ...]

NIC: Destination = ("nic",)


def destination(info: RuleInfo) -> Destination:
    """Where the rule's packets land inside the VM."""
    return ("frontend", info.lb, info.rule.frontend) if info.rule.floating_ip else NIC


def describe_destination(info: RuleInfo) -> str:
    if info.rule.floating_ip:
        return f"frontend {info.rule.frontend!r}'s IP (floating IP)"
    return "the VM's NIC IP"


@dataclass
class ProtocolSlots:
    """Rules already holding one (destination, port) slot, by protocol; ``all`` takes both."""

    tcp: RuleInfo | None = None
    udp: RuleInfo | None = None
    all: RuleInfo | None = None

    def clash(self, protocol: str) -> RuleInfo | None:
        """The first rule a new rule with ``protocol`` would collide with, if any."""
        if protocol == "all":
            return self.all or self.tcp or self.udp
        return self.all or getattr(self, protocol)

    def take(self, info: RuleInfo) -> None:
        if getattr(self, info.rule.protocol) is None:
            setattr(self, info.rule.protocol, info)


def flow_slot(info: RuleInfo) -> tuple[Destination, int]:
    """The (destination, port) a rule occupies at every backend it reaches (protocol aside)."""
    return destination(info), info.backend_port
