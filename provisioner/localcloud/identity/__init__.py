"""Cloud metadata and the token endpoints real clients sign in with.

Paths outside ``/subscriptions`` that Azure CLI, Ansible's azure.azcollection and azure-identity
call before their first ARM request (shared/peer-clients.md): the cloud metadata
(``metadata.py``), Entra ID's OpenID configuration, keys and token endpoints and the managed
identity endpoints (``tokens.py``), and ARM's tenant list. :func:`route` finds the handler of a
path, or None; the engine asks it only for paths no ARM route matched.
"""

from __future__ import annotations

from collections.abc import Callable

from provisioner.localcloud.context import Call
from provisioner.localcloud.identity import metadata, tokens
from provisioner.localcloud.wire import Response, json_response

Handler = Callable[[Call], Response]


def route(call: Call) -> Handler | None:
    """The identity handler of ``call``'s path and method, or None."""
    parts = [p for p in call.req.path.split("/") if p]
    low = [p.lower() for p in parts]
    method = call.req.method
    if method == "GET":
        return _get(parts, low)
    if method == "POST" and len(low) >= 3 and low[1] == "oauth2" and low[-1] == "token":
        tenant, v2 = parts[0], low[2:] == ["v2.0", "token"]
        if v2 or low[2:] == ["token"]:
            return lambda c: tokens.token(c.req, c.store, tenant, v2)
    return None


def _get(parts: list[str], low: list[str]) -> Handler | None:
    if low == ["metadata", "endpoints"]:
        return lambda c: metadata.metadata_endpoints(c.req)
    if low == ["msi", "token"]:
        return lambda c: tokens.managed_identity(c.req, c.store, imds=False)
    if low == ["metadata", "identity", "oauth2", "token"]:
        return lambda c: tokens.managed_identity(c.req, c.store, imds=True)
    if low == ["tenants"]:
        return _tenants
    if len(low) >= 3 and low[-2:] == [".well-known", "openid-configuration"]:
        middle = low[1:-2]
        if middle in ([], ["v2.0"]):
            tenant, v2 = parts[0], middle == ["v2.0"]
            return lambda c: tokens.openid_configuration(c.req, c.store, tenant, v2)
    if len(low) in (3, 4) and low[1] == "discovery" and low[-1] == "keys":
        return lambda c: tokens.jwks(c.store)
    return None


def _tenants(call: Call) -> Response:
    """ARM's ``GET /tenants``: the one tenant of the local cloud."""
    tenant = tokens.load_config(call.store).tenant
    return json_response(
        200,
        {
            "value": [
                {
                    "id": f"/tenants/{tenant}",
                    "tenantId": tenant,
                    "tenantCategory": "Home",
                    "displayName": "Local cloud",
                    "defaultDomain": "localcloud.invalid",
                    "domains": ["localcloud.invalid"],
                }
            ]
        },
    )


def keeps_secrets(path: str) -> bool:
    """Whether a request to ``path`` carries credentials (its body is not logged)."""
    low = path.lower().rstrip("/")
    return low.endswith("/token") and "/oauth2" in low


__all__ = ["route", "keeps_secrets", "metadata", "tokens"]
