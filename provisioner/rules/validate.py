"""Entry point of semantic validation (stub until the rules land)."""

from __future__ import annotations

from provisioner.blueprint.model import Blueprint
from provisioner.errors import Finding


def validate(bp: Blueprint) -> list[Finding]:
    """Every error and warning Azure's load balancer rules predict for ``bp``, with blueprint paths."""
    return []
