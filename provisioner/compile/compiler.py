"""Blueprint → DesiredState (stub until the compiler lands)."""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.blueprint.model import Blueprint
from provisioner.compile.desired import DesiredState


@dataclass(frozen=True)
class CompileContext:
    env: str
    subscription_id: str
    digest: str
    expires: str | None = None  # ISO 8601 UTC


def compile_blueprint(bp: Blueprint, ctx: CompileContext) -> DesiredState:
    raise NotImplementedError
