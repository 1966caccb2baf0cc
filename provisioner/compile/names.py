"""Azure resource names: deterministic from the environment and the blueprint's own names.

The scheme (``env`` is ``--env``, by default the blueprint's name):

=====================  ==================================  =====
resource               name                                limit
=====================  ==================================  =====
resource group         ``rg-{env}``                        90
virtual network        ``vnet-{env}``                      64
subnet                 the blueprint's subnet name         80
public IP (frontend)   ``pip-{env}-{lb}-{frontend}``       80
load balancer          ``lb-{env}-{lb}``                   80
  children             the blueprint's frontend, pool, probe and rule names
  outbound (SNAT)      frontend, pool and outbound rule ``outbound_snat``; its public IP
                       ``pip-{env}-{lb}-outbound_snat``
network security group ``nsg-{env}``                       80
  rules                the blueprint's names; derived ones ``lb_…`` and ``probe_…``
NAT gateway            ``ng-{env}``                        80
  its public IP        ``pip-{env}-natgw``                 80
network interface      ``nic-{env}-{vm}``                  80
  IP configurations    ``ipconfig-v4`` (primary), ``ipconfig-v6``
virtual machine        ``vm-{env}-{vm}``                   64
OS disk                ``osdisk-{env}-{vm}``               80
computer name          ``{vm}``; Windows: at most 15       64 / 15
=====================  ==================================  =====

``{vm}`` is the concrete VM name after ``count`` expansion (``web-2``). The environment is part of
every name so that two environments deployed into one existing resource group (brownfield
``resource_group_id``) never overwrite each other's load balancers. A name longer than its limit
keeps a readable prefix and ends in ``-`` plus 8 hex digits of a hash of the full name, so it stays
deterministic and distinct. Names the tool adds inside a load balancer or an NSG contain ``_``,
which blueprint names cannot, so they never meet a name the user chose.
"""

from __future__ import annotations

import hashlib

RESOURCE_GROUP_MAX = 90
VIRTUAL_NETWORK_MAX = 64
PUBLIC_IP_MAX = 80
LOAD_BALANCER_MAX = 80
NETWORK_INTERFACE_MAX = 80
VIRTUAL_MACHINE_MAX = 64
DISK_MAX = 80
NETWORK_SECURITY_GROUP_MAX = 80
SECURITY_RULE_MAX = 80
NAT_GATEWAY_MAX = 80
LINUX_COMPUTER_NAME_MAX = 64
WINDOWS_COMPUTER_NAME_MAX = 15

IPCONFIG_V4 = "ipconfig-v4"
IPCONFIG_V6 = "ipconfig-v6"

#: The frontend, backend pool and outbound rule ``outbound: lb_outbound_rule`` adds to a load
#: balancer (``_``: never a blueprint name).
OUTBOUND_SNAT = "outbound_snat"

_HASH_LEN = 8


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:_HASH_LEN]


def fit(name: str, limit: int) -> str:
    """``name`` itself if it fits in ``limit`` characters, else a prefix plus a hash of it."""
    if len(name) <= limit:
        return name
    keep = limit - _HASH_LEN - 1
    return f"{name[:keep].rstrip('-')}-{_digest(name)}"


def resource_group(env: str) -> str:
    return fit(f"rg-{env}", RESOURCE_GROUP_MAX)


def virtual_network(env: str) -> str:
    return fit(f"vnet-{env}", VIRTUAL_NETWORK_MAX)


def public_ip(env: str, lb: str, frontend: str) -> str:
    return fit(f"pip-{env}-{lb}-{frontend}", PUBLIC_IP_MAX)


def load_balancer(env: str, lb: str) -> str:
    return fit(f"lb-{env}-{lb}", LOAD_BALANCER_MAX)


def network_security_group(env: str) -> str:
    return fit(f"nsg-{env}", NETWORK_SECURITY_GROUP_MAX)


def nat_gateway(env: str) -> str:
    return fit(f"ng-{env}", NAT_GATEWAY_MAX)


def nat_public_ip(env: str) -> str:
    """The NAT gateway's public IP (``natgw`` holds no ``-``: never a ``{lb}-{frontend}``)."""
    return fit(f"pip-{env}-natgw", PUBLIC_IP_MAX)


def network_interface(env: str, vm: str) -> str:
    return fit(f"nic-{env}-{vm}", NETWORK_INTERFACE_MAX)


def virtual_machine(env: str, vm: str) -> str:
    return fit(f"vm-{env}-{vm}", VIRTUAL_MACHINE_MAX)


def os_disk(env: str, vm: str) -> str:
    return fit(f"osdisk-{env}-{vm}", DISK_MAX)


def computer_name(vm: str, os: str) -> str:
    """The guest's hostname: the blueprint's VM name, shortened for Windows (NetBIOS: 15)."""
    limit = WINDOWS_COMPUTER_NAME_MAX if os == "windows" else LINUX_COMPUTER_NAME_MAX
    return fit(vm, limit)


def is_os_disk_of(env: str, vm_resource: str, disk: str) -> bool:
    """Whether ``disk`` is the name :func:`os_disk` gives the OS disk of the VM that
    :func:`virtual_machine` named ``vm_resource`` (names compared as Azure does, ignoring case).

    Teardown asks this to tell the VM's own OS disk from a disk someone else swapped in. The
    blueprint's VM name is recovered from whichever of the two names kept it whole; when both
    were shortened (a VM name of more than 76 characters), the disk name must carry the same
    readable prefix of it.
    """
    vm_resource, disk = vm_resource.lower(), disk.lower()
    vm_prefix, disk_prefix = f"vm-{env}-".lower(), f"osdisk-{env}-".lower()
    for name, prefix in ((vm_resource, vm_prefix), (disk, disk_prefix)):
        if name.startswith(prefix):
            vm = name[len(prefix) :]
            if virtual_machine(env, vm).lower() == vm_resource and os_disk(env, vm).lower() == disk:
                return True
    kept = vm_resource[len(vm_prefix) : -(_HASH_LEN + 1)].rstrip("-")
    return (
        vm_resource.startswith(vm_prefix)
        and len(vm_resource) == VIRTUAL_MACHINE_MAX
        and len(disk) == DISK_MAX
        and disk.startswith(disk_prefix + kept)
    )
