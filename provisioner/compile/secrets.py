"""Placeholders where a VM body needs a credential the compiler must not invent.

Compiling is pure and repeatable (the same blueprint gives the same desired state), so it cannot
generate keys or passwords; and a desired state is printed in plans and logs, so it must not hold
one. The compiler writes these constants instead, and the executor swaps in a freshly generated
throwaway SSH public key or Windows admin password when it creates the VM. The planner never
diffs ``os_profile`` (Azure does not return the secret and cannot change it after creation).
"""

from __future__ import annotations

#: Stands for a generated throwaway SSH public key (Linux VMs without ``ssh_public_key``).
GENERATED_SSH_KEY = "<provisioner:generated-ssh-public-key>"

#: Stands for a generated Windows admin password.
GENERATED_PASSWORD = "<provisioner:generated-admin-password>"

PLACEHOLDERS = frozenset({GENERATED_SSH_KEY, GENERATED_PASSWORD})
