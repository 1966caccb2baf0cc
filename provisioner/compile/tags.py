"""The ownership tags and the one predicate that decides "this is ours".

The compiler writes these tags on everything an environment owns (``compile.desired.Tags``);
planning, teardown, discovery, cleanup and ``extend`` read them back from live resources. This
module is the only place that names them, so the contract cannot drift between writer and
readers. It is pure and imports nothing, so every layer may use it.

Azure treats tag *names* case-insensitively (a portal edit may change their case) but keeps
*values* as written, so names are looked up without case and values compared exactly: only what
the tool itself writes counts (``provisioner-managed=true``, never ``TRUE`` or `` true ``, and an
environment name the tool could have written), so a look-alike tag never makes a stranger's
resource ours to delete.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

TAG_ENV = "provisioner-env"
TAG_BLUEPRINT = "provisioner-blueprint"
TAG_EXPIRES = "provisioner-expires"
TAG_MANAGED = "provisioner-managed"
#: Set by the first ``up`` of an environment and kept by every later one; ``--older-than`` reads it.
TAG_CREATED = "provisioner-created"
#: On a VM: the digest of the guest configuration the last successful apply script converged to.
#: ``up`` skips VMs already tagged with the desired digest, so a second ``up`` writes nothing.
TAG_GUEST = "provisioner-guest"

#: ``provisioner-expires`` on a resource whose expiry is its resource group's: the environment
#: created that group and everything it owns lives and dies with it, so a new expiry is one tag
#: write on the group. The resource still carries the tag, so a hand-removed one still keeps the
#: environment alive (it is expired only when all of it is).
EXPIRES_WITH_GROUP = "with-group"

#: The value of ``provisioner-managed`` on everything the tool owns, exactly.
MANAGED_VALUE = "true"

#: Environment names, as the blueprint's ``name`` and ``--env`` accept them: the environment is
#: part of every resource name and tag, and Azure compares names without case (``Prod`` and
#: ``prod`` would share resources, not tags), so only lower case.
ENV_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def is_env_name(value: str | None) -> bool:
    """A name the tool could have written as an environment."""
    return value is not None and ENV_NAME.fullmatch(value) is not None


def tag(tags: Mapping[str, str] | None, name: str) -> str | None:
    """The value of tag ``name`` (name matched without case), or None."""
    if not tags:
        return None
    if name in tags:
        return tags[name]
    lowered = name.lower()
    for key, value in tags.items():
        if key.lower() == lowered:
            return value
    return None


def is_managed(tags: Mapping[str, str] | None) -> bool:
    """Carries ``provisioner-managed=true``: written by this tool, not merely tagged like it."""
    return tag(tags, TAG_MANAGED) == MANAGED_VALUE


def owned_by(tags: Mapping[str, str] | None, env: str) -> bool:
    """Both ownership marks for ``env``: managed by us, and tagged with exactly this environment.

    This is the only test planning, cleanup and ``down`` use before changing or deleting
    anything; a resource that carries another environment's name, or our env name without the
    managed mark, is not ours.
    """
    return is_managed(tags) and is_env_name(env) and tag(tags, TAG_ENV) == env
