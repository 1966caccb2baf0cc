"""Tags a user puts on every resource (the blueprint's ``tags:`` and ``up --tag k=v``).

Organisations enforce tags with Azure Policy ("require a cost-centre tag"); a blueprint that
cannot set them cannot deploy there. Azure's limits (Microsoft Learn, "Use tags to organize your
Azure resources", Limitations): at most 50 tags per resource, names up to 512 characters, values
up to 256, names without ``< > % & \\ ? /``; names are matched without case. The tool's own tags
start with ``provisioner-`` and always win, so users may not set those, and the budget of 50 keeps
room for them.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Every tag the tool writes starts with this; users may not set such a tag.
RESERVED_PREFIX = "provisioner-"
#: Azure's limit per resource, less the tool's own (env, managed, blueprint, expires, created,
#: guest).
MAX_USER_TAGS = 50 - 6
MAX_NAME = 512
MAX_VALUE = 256
FORBIDDEN = frozenset("<>%&\\?/")


def tag_problem(name: str, value: str) -> str | None:
    """Why ``name: value`` cannot be a user tag, or None."""
    if not name.strip():
        return "a tag name cannot be empty"
    if name.lower().startswith(RESERVED_PREFIX):
        return f"tag {name!r}: names starting with {RESERVED_PREFIX!r} are the tool's own"
    bad = sorted(set(name) & FORBIDDEN)
    if bad:
        return f"tag {name!r}: Azure does not allow {' '.join(bad)} in tag names"
    if len(name) > MAX_NAME:
        return f"tag {name[:40]!r}…: names are at most {MAX_NAME} characters"
    if len(value) > MAX_VALUE:
        return f"tag {name!r}: values are at most {MAX_VALUE} characters"
    return None


def tags_problem(tags: Mapping[str, str]) -> str | None:
    """Why ``tags`` cannot be put on a resource, or None."""
    if len(tags) > MAX_USER_TAGS:
        return f"{len(tags)} tags: at most {MAX_USER_TAGS} (Azure allows 50, the tool uses 6)"
    seen: dict[str, str] = {}
    for name, value in tags.items():
        problem = tag_problem(name, value)
        if problem:
            return problem
        other = seen.setdefault(name.lower(), name)
        if other != name:
            return f"tags {other!r} and {name!r} are one tag to Azure (names ignore case)"
    return None
