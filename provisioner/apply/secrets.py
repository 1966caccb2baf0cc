"""Throwaway credentials for new VMs, swapped in for the compiler's placeholders at create time.

They exist only in the body of the create request: never in the desired state, plans, logs or
JSON output. Guest setup goes through run-command, so nobody needs to log in with them; a user
who wants SSH access sets ``ssh_public_key`` in the blueprint.
"""

from __future__ import annotations

import secrets
import string
from functools import lru_cache
from typing import Any

from provisioner.compile.secrets import GENERATED_PASSWORD, GENERATED_SSH_KEY

_PASSWORD_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "!@#%^*-_=+")


def generate_password(length: int = 24) -> str:
    """A password meeting Azure's complexity rule (3 of 4 character classes; we use all 4)."""
    chars = [secrets.choice(cls) for cls in _PASSWORD_CLASSES]
    alphabet = "".join(_PASSWORD_CLASSES)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


@lru_cache(maxsize=1)
def generate_ssh_public_key() -> str:
    """An OpenSSH RSA public key whose private half is discarded (one per process is enough)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return public.decode() + " provisioner-throwaway"


def fill_placeholders(body: Any) -> Any:
    """A copy of ``body`` (wire JSON) with every placeholder replaced by a fresh secret."""
    if isinstance(body, dict):
        return {k: fill_placeholders(v) for k, v in body.items()}
    if isinstance(body, list):
        return [fill_placeholders(v) for v in body]
    if body == GENERATED_SSH_KEY:
        return generate_ssh_public_key()
    if body == GENERATED_PASSWORD:
        return generate_password()
    return body
