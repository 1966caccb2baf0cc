"""What the blueprint model expects at a given path: for messages, hints and did-you-mean.

Pydantic reports *where* a value is wrong; the user also wants to know what would have been
right. These helpers walk the model's type annotations along a blueprint path.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from provisioner.blueprint.model import Blueprint
from provisioner.errors import BlueprintPath


@dataclass(frozen=True)
class Slot:
    """The type expected at a path, and the model field it belongs to (if it is one)."""

    annotation: Any
    field: FieldInfo | None = None


def slot_at(path: BlueprintPath, root: type[BaseModel] = Blueprint) -> Slot | None:
    """The expected type at ``path`` (a model path, e.g. from a pydantic error ``loc``)."""
    slot = Slot(root)
    for segment in path:
        tp = unwrap(slot.annotation)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(segment))
            if info is None:
                return None
            slot = Slot(info.annotation, info)
        elif get_origin(tp) is dict:
            slot = Slot(get_args(tp)[1])
        elif get_origin(tp) is list:
            slot = Slot(get_args(tp)[0])
        else:
            return None
    return slot


def model_at(path: BlueprintPath) -> type[BaseModel] | None:
    """The model class whose fields live at ``path`` (``("vms", "web")`` → ``Vm``)."""
    slot = slot_at(path)
    tp = unwrap(slot.annotation) if slot else None
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def field_names(path: BlueprintPath) -> list[str]:
    """Names of the fields a mapping at ``path`` may hold (empty when it is not a model)."""
    model = model_at(path)
    return list(model.model_fields) if model else []


def unwrap(tp: Any) -> Any:
    """``Annotated[X, …]`` → X and ``X | None`` → X, repeatedly."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
            continue
        if get_origin(tp) in (Union, types.UnionType):
            arms = [a for a in get_args(tp) if a is not type(None)]
            if len(arms) == 1:
                tp = arms[0]
                continue
        return tp


def allowed_values(slot: Slot | None) -> list[Any]:
    """The values of a ``Literal`` slot (also inside a list), else empty."""
    if slot is None:
        return []
    tp = unwrap(slot.annotation)
    if get_origin(tp) is list:
        tp = unwrap(get_args(tp)[0])
    return list(get_args(tp)) if get_origin(tp) is Literal else []


def bounds(slot: Slot | None) -> tuple[int | None, int | None]:
    """Inclusive (minimum, maximum) of a numeric slot, from its ``Field(ge=…, le=…)``."""
    if slot is None:
        return None, None
    metadata: list[Any] = list(slot.field.metadata) if slot.field else []
    tp = slot.annotation
    for _ in range(4):  # Annotated inside Optional inside Annotated…
        if get_origin(tp) is Annotated:
            metadata.extend(get_args(tp)[1:])
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType):
            arms = [a for a in get_args(tp) if a is not type(None)]
            tp = arms[0] if len(arms) == 1 else tp
        else:
            break
    low = high = None
    for item in _flatten(metadata):
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Le):
            high = item.le
    return low, high


def _flatten(metadata: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in metadata:
        if isinstance(item, FieldInfo):
            out.extend(item.metadata)
        else:
            out.append(item)
    return out
