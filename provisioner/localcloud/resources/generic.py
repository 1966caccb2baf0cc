"""Resource types the local cloud stores and echoes with ARM's envelope but gives no behaviour.

Only the types in :data:`STORED_AS_IS` get this: side resources that clients create next to the
scenarios (availability sets, route tables, application security groups) and whose absence of
behaviour cannot turn a broken deployment green. Every other type the local cloud does not model is
refused as Azure refuses a type it does not know (``InvalidResourceType``), so a client is never
told that something exists that nothing behind it implements."""

from __future__ import annotations

from provisioner.localcloud.errors import ArmError
from provisioner.localcloud.resources.base import Handler

STORED_AS_IS = frozenset(
    {
        "microsoft.compute/availabilitysets",
        "microsoft.network/routetables",
        "microsoft.network/applicationsecuritygroups",
    }
)


class Generic(Handler):
    """Store-and-echo handler; ``type`` is set per instance."""

    def __init__(self, type_name: str) -> None:
        self.type = type_name
        self.provider = type_name.split("/", 1)[0]


def refuse_unmodelled(type_name: str, api_version: str) -> None:
    """Azure's answer to a PUT of a type its provider lacks (404 ``InvalidResourceType``)."""
    if type_name.lower() in STORED_AS_IS:
        return
    namespace, _, rest = type_name.partition("/")
    raise ArmError(
        404,
        "InvalidResourceType",
        f"The resource type '{rest}' could not be found in the namespace '{namespace}' for api "
        f"version '{api_version}'. The local cloud does not model it (docs/local-cloud.md lists "
        "what it serves).",
    )
