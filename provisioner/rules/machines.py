"""What Azure refuses, or runs badly, in a VM's own settings.

Azure refuses admin user names it reserves and Windows admin names longer than 20 characters
with ``InvalidParameter`` (target ``adminUsername``): "The Admin Username specified is not
allowed." and "Windows admin user name cannot be more than 20 characters long, end with a
period(.), or contain the following characters: …" (azure-cli#582, azure-docs#27881,
azure-quickstart-templates#2577). The reserved names are the ``osProfile.adminUsername``
"disallowed values" of the Compute REST API. Windows Server needs 2 GiB of memory or more; on
less it boots slowly and run-command times out (azure-traffic.md §6): a warning for the sizes
known to have less.
"""

from __future__ import annotations

from provisioner.errors import Finding
from provisioner.rules import codes
from provisioner.rules.index import BlueprintIndex, finding

#: ``osProfile.adminUsername``, "Disallowed values" (Compute REST API, every OS).
RESERVED_ADMIN_NAMES = frozenset(
    {
        "administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1",
        "1", "123", "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david",
        "guest", "john", "owner", "root", "server", "sql", "support", "support_388945a0", "sys",
        "test2", "test3", "user4", "user5",
    }
)  # fmt: skip
WINDOWS_ADMIN_NAME_MAX = 20

#: Sizes with less than 2 GiB of memory (Azure's size tables): fine for Linux, not for Windows.
SMALL_SIZES = frozenset(
    s.lower()
    for s in (
        "Standard_B1ls", "Standard_B1s", "Standard_A0", "Basic_A0", "Standard_A1", "Basic_A1",
        "Standard_B2ts_v2", "Standard_B2ats_v2", "Standard_B2pts_v2",
    )
)  # fmt: skip


def check_machines(ix: BlueprintIndex) -> list[Finding]:
    out: list[Finding] = []
    for key, vm in ix.bp.vms.items():
        if vm.existing_id is not None:
            continue
        name, here = vm.admin_username, ("vms", key, "admin_username")
        if name.lower() in RESERVED_ADMIN_NAMES:
            out.append(
                finding(
                    codes.INVALID_PARAMETER,
                    f"VM {key!r}: admin user name {name!r} is one Azure reserves (The Admin "
                    "Username specified is not allowed.)",
                    here,
                    hint="choose another name, e.g. azureuser (the default)",
                )
            )
        elif vm.os == "windows" and len(name) > WINDOWS_ADMIN_NAME_MAX:
            out.append(
                finding(
                    codes.INVALID_PARAMETER,
                    f"VM {key!r}: Windows admin user name {name!r} is {len(name)} characters "
                    f"long; Azure allows at most {WINDOWS_ADMIN_NAME_MAX}",
                    here,
                    hint=f"shorten it to {WINDOWS_ADMIN_NAME_MAX} characters or fewer",
                )
            )
        if vm.os == "windows" and vm.size.lower() in SMALL_SIZES:
            out.append(
                finding(
                    codes.WINDOWS_SIZE,
                    f"VM {key!r}: size {vm.size} has less than 2 GiB of memory; Windows Server "
                    "boots slowly on it and run-command (the guest setup) times out",
                    ("vms", key, "size"),
                    hint="use Standard_B2s (the Windows default) or larger",
                    severity="warning",
                )
            )
    return out
