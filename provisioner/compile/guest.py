"""What each backend VM's guest OS must do for the Floating IP rules that reach it.

With Floating IP the packet arrives addressed to the frontend IP, so the VM must hold that
address (on a loopback), accept it (weak host on Windows) and let it through its firewall, for
every (frontend, protocol, backend port) a floating rule sends it. Rules without Floating IP need
nothing from the guest. The frontend's address is not known at compile time: ``FrontendRef``
names the resource whose live state will reveal it.
"""

from __future__ import annotations

from collections.abc import Mapping

from provisioner.blueprint.model import Blueprint
from provisioner.compile.desired import FrontendRef, GuestListener, GuestRequirement
from provisioner.compile.topology import Members


def guest_requirements(
    bp: Blueprint,
    vm_keys: Mapping[str, str],
    frontend_keys: Mapping[tuple[str, str], str],
    members: Members | None = None,
) -> tuple[GuestRequirement, ...]:
    """One requirement per VM in the pool of a Floating IP rule, VMs in blueprint order.

    ``vm_keys`` maps a concrete VM name to its VM resource key; ``frontend_keys`` maps
    (load balancer, frontend) to the key of the public IP (public frontends) or the load
    balancer (internal ones). Two rules asking the same VM for the same frontend, protocol and
    port give one listener (the first rule's name is kept for messages).
    """
    if not bp.guest.configure:
        return ()
    members = members or Members(bp)
    listeners: dict[str, dict[tuple[str, str, str, int], GuestListener]] = {}
    for lb_name, lb in bp.load_balancers.items():
        for rule_name, rule in lb.rules.items():
            frontend = lb.frontends.get(rule.frontend)
            pool = lb.pools.get(rule.pool)
            if not rule.floating_ip or frontend is None or pool is None:
                continue
            listener = GuestListener(
                frontend=FrontendRef(
                    load_balancer=lb_name,
                    frontend=rule.frontend,
                    resource_key=frontend_keys[(lb_name, rule.frontend)],
                ),
                ip_version=frontend.ip_version,
                protocol=rule.protocol,
                port=rule.effective_backend_port,
                rule=f"{lb_name}/{rule_name}",
            )
            identity = (lb_name, rule.frontend, rule.protocol, listener.port)
            for member in members.of(pool.vms):
                listeners.setdefault(member, {}).setdefault(identity, listener)

    out: list[GuestRequirement] = []
    for vm_name, (_, vm) in bp.expanded_vms().items():
        if vm_name not in listeners or vm_name not in vm_keys:
            continue
        out.append(
            GuestRequirement(
                vm=vm_name,
                vm_resource_key=vm_keys[vm_name],
                os=vm.os,
                listeners=tuple(listeners[vm_name].values()),
                firewall=bp.guest.firewall,
                persist=bp.guest.persist,
                owned_vm=vm.existing_id is None,
            )
        )
    return tuple(out)
