"""What each backend VM's guest OS must do for the rules that reach it.

With Floating IP the packet arrives addressed to the frontend IP, so the VM must hold that
address (on a loopback), accept it (weak host on Windows) and let it through its firewall, for
every (frontend, protocol, backend port) a floating rule sends it. The frontend's address is not
known at compile time: ``FrontendRef`` names the resource whose live state will reveal it.

The VMs the guest step looks after are those behind a Floating IP rule and the network virtual
appliances (``ip_forwarding: true``, whose guest must forward). On those, every health probe of
every rule that reaches the VM is opened too: probes go to the NIC address, never to the
frontend IP, and Windows Firewall and firewalld drop unknown ports. VMs reached only by rules
without Floating IP are left alone (their service opens its own port, and nothing else about the
guest needs changing).
"""

from __future__ import annotations

from collections.abc import Mapping

from provisioner.blueprint.model import Blueprint, LoadBalancer, Rule
from provisioner.compile.desired import FrontendRef, GuestListener, GuestProbe, GuestRequirement
from provisioner.compile.topology import Members


def _listener(
    lb_name: str, lb: LoadBalancer, rule_name: str, rule: Rule, key: str
) -> GuestListener:
    return GuestListener(
        frontend=FrontendRef(load_balancer=lb_name, frontend=rule.frontend, resource_key=key),
        ip_version=lb.frontends[rule.frontend].ip_version,
        protocol=rule.protocol,
        port=rule.effective_backend_port,
        rule=f"{lb_name}/{rule_name}",
    )


def guest_requirements(
    bp: Blueprint,
    vm_keys: Mapping[str, str],
    frontend_keys: Mapping[tuple[str, str], str],
    members: Members | None = None,
) -> tuple[GuestRequirement, ...]:
    """One requirement per VM behind a Floating IP rule or with ``ip_forwarding``, VMs in
    blueprint order.

    ``vm_keys`` maps a concrete VM name to its VM resource key; ``frontend_keys`` maps
    (load balancer, frontend) to the key of the public IP (public frontends) or the load
    balancer (internal ones). Two rules asking the same VM for the same frontend, protocol and
    port give one listener (the first rule's name is kept for messages); likewise one probe
    entry per (IP version, port).
    """
    if not bp.guest.configure:
        return ()
    members = members or Members(bp)
    listeners: dict[str, dict[tuple[str, str, str, int], GuestListener]] = {}
    probes: dict[str, dict[tuple[str, int], GuestProbe]] = {}
    for lb_name, lb in bp.load_balancers.items():
        for rule_name, rule in lb.rules.items():
            frontend = lb.frontends.get(rule.frontend)
            pool = lb.pools.get(rule.pool)
            if frontend is None or pool is None:
                continue
            probe = lb.probes.get(rule.probe) if rule.probe else None
            for member in members.of(pool.vms):
                if probe is not None:
                    entry = GuestProbe(frontend.ip_version, probe.port, f"{lb_name}/{rule.probe}")
                    probes.setdefault(member, {}).setdefault((entry.ip_version, entry.port), entry)
                if rule.floating_ip:
                    key = frontend_keys[(lb_name, rule.frontend)]
                    listener = _listener(lb_name, lb, rule_name, rule, key)
                    identity = (lb_name, rule.frontend, rule.protocol, listener.port)
                    listeners.setdefault(member, {}).setdefault(identity, listener)

    out: list[GuestRequirement] = []
    for vm_name, (_, vm) in bp.expanded_vms().items():
        if vm_name not in vm_keys or not (vm_name in listeners or vm.ip_forwarding):
            continue
        out.append(
            GuestRequirement(
                vm=vm_name,
                vm_resource_key=vm_keys[vm_name],
                os=vm.os,
                listeners=tuple(listeners.get(vm_name, {}).values()),
                firewall=bp.guest.firewall,
                persist=bp.guest.persist,
                owned_vm=vm.existing_id is None,
                probes=tuple(probes.get(vm_name, {}).values()),
                forwarding=vm.ip_forwarding,
            )
        )
    return tuple(out)
