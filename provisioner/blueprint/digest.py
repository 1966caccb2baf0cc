"""The blueprint's content digest: the ``provisioner-blueprint`` tag on every resource.

It is computed from the *validated model*, not the file, so reformatting, comments, key order,
anchors and short forms (``backend: 10.0.1.0/24`` vs ``backend: {prefix: 10.0.1.0/24}``) leave
it unchanged; any change in meaning (a port, a VM, a default overridden) changes it.
"""

from __future__ import annotations

import hashlib
import json

from provisioner.blueprint.model import Blueprint

DIGEST_LENGTH = 16


def blueprint_digest(blueprint: Blueprint) -> str:
    """First 16 hex characters of the sha256 of the model's canonical JSON."""
    document = blueprint.model_dump(mode="json")
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]
