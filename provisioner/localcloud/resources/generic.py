"""Any other ``Microsoft.*`` resource type: stored and echoed with ARM's envelope, no behaviour.

Lets a client create side resources the scenarios do not model (availability sets, route
tables)."""

from __future__ import annotations

from provisioner.localcloud.resources.base import Handler


class Generic(Handler):
    """Store-and-echo handler; ``type`` is set per instance."""

    def __init__(self, type_name: str) -> None:
        self.type = type_name
        self.provider = type_name.split("/", 1)[0]
