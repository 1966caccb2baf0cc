"""The signing key of the local identity provider and the JWTs it issues (RS256).

One RSA key per state file, made on first use and kept in the settings table, so every process
sharing the file (a server, a CLI run, a test) issues tokens one JWKS verifies. Signed with
``cryptography`` directly (a dependency of azure-identity through msal): a JWT is three
base64url parts, and that is all this module needs to know about JWTs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from provisioner.localcloud.store import Store

_SETTING = "identity_key"
_LOCK = threading.Lock()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SigningKey:
    private: Any  # cryptography RSAPrivateKey
    kid: str

    def sign(self, claims: dict[str, Any]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid, "x5t": self.kid}
        signing_input = (
            f"{b64url(json.dumps(header, separators=(',', ':')).encode())}."
            f"{b64url(json.dumps(claims, separators=(',', ':')).encode())}"
        )
        signature = self.private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def jwk(self) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "alg": "RS256",
            "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
        }


def signing_key(store: Store) -> SigningKey:
    """The state file's key, made (and stored) the first time it is needed."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = store.setting(_SETTING)
    if pem is None:
        with _LOCK, store.write() as tx:
            row = tx.c.execute("SELECT value FROM settings WHERE key=?", (_SETTING,)).fetchone()
            if row is None:
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode()
                tx.c.execute("INSERT INTO settings VALUES (?, ?)", (_SETTING, pem))
            else:
                pem = row[0]
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    kid = b64url(hashlib.sha256(pem.encode()).digest()[:20])
    return SigningKey(private, kid)


def verify_rs256(token: str, public_pem: str) -> dict[str, Any] | None:
    """The claims of ``token`` if an RSA public key (or certificate) in PEM signed it."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        head, body, sig = token.split(".")
        data = public_pem.encode()
        if b"CERTIFICATE" in data:
            public = x509.load_pem_x509_certificate(data).public_key()
        else:
            public = serialization.load_pem_public_key(data)
        public.verify(
            b64url_decode(sig), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return json.loads(b64url_decode(body))
    except (ValueError, InvalidSignature, TypeError):
        return None


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, not checked (to read ``iss``/``sub`` of a client assertion)."""
    try:
        claims = json.loads(b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError):
        return {}
    return claims if isinstance(claims, dict) else {}
