"""The local identity provider: Entra ID's sign-in endpoints as MSAL and azure-identity call them.

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (and the v1 path): what MSAL reads
  before its first token request (``token_endpoint``, ``authorization_endpoint``, ``issuer``);
- ``GET /{tenant}/discovery/v2.0/keys``: the JWKS that verifies every token issued here;
- ``POST /{tenant}/oauth2/v2.0/token``: client credentials with a secret (form field or HTTP
  basic) or a client assertion (``private_key_jwt``); ``scope=<audience>/.default``;
- ``POST /{tenant}/oauth2/token``: the v1 form (``resource=`` instead of ``scope``);
- ``GET /msi/token``: App Service managed identity (``IDENTITY_ENDPOINT`` / ``IDENTITY_HEADER``,
  header ``X-IDENTITY-HEADER``), and ``GET /metadata/identity/oauth2/token``, the IMDS form
  (``Metadata: true``; azure-identity reaches it through ``AZURE_POD_IDENTITY_AUTHORITY_HOST``).

Tokens are RS256 JWTs (``keys.py``) with the requested audience (``scope`` less ``.default``:
az CLI asks ``https://management.core.windows.net//.default``, Ansible
``<resourceManager>.default``; both are accepted) and the tenant. By default any client id and
secret signs in; a configured list of service principals (:func:`set_config`) makes the
provider strict, and a wrong secret or an unknown application gets the AADSTS error Entra ID
answers (shapes from public captures: Azure/sap-automation#418 and
OfficeDev/microsoft-365-agents-toolkit#8621 for AADSTS7000215).
The local cloud's ARM side does not check bearer tokens (docs/local-cloud.md).
"""

from __future__ import annotations

import base64
import datetime
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from provisioner.localcloud.cloud_constants import DEFAULT_TENANT
from provisioner.localcloud.identity.keys import signing_key, unverified_claims, verify_rs256
from provisioner.localcloud.store import Store
from provisioner.localcloud.wire import Request, Response, json_response

LIFETIME = 3599  # seconds, what Entra ID's client-credentials tokens say in expires_in
_CONFIG = "identity"
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class Principal:
    """A service principal of the strict provider: a secret, a certificate (PEM), or both."""

    client_id: str
    secret: str | None = None
    certificate: str | None = None


@dataclass(frozen=True)
class IdentityConfig:
    """``principals`` empty: anyone signs in. ``identity_header``: what ``/msi/token`` wants."""

    tenant: str = DEFAULT_TENANT
    principals: tuple[Principal, ...] = field(default_factory=tuple)
    identity_header: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "principals": [
                {k: v for k, v in vars(p).items() if v is not None and k != "secret"}
                | ({"secret": "***"} if p.secret else {})
                for p in self.principals
            ],
            "identity_header": "***" if self.identity_header else None,
        }


def load_config(store: Store) -> IdentityConfig:
    raw = store.setting(_CONFIG)
    if not raw:
        return IdentityConfig()
    data = json.loads(raw)
    return IdentityConfig(
        tenant=data.get("tenant") or DEFAULT_TENANT,
        principals=tuple(Principal(**p) for p in data.get("principals") or []),
        identity_header=data.get("identity_header"),
    )


def set_config(store: Store, config: IdentityConfig) -> None:
    raw = {
        "tenant": config.tenant,
        "principals": [vars(p) for p in config.principals],
        "identity_header": config.identity_header,
    }
    with store.write() as tx:
        tx.set_setting(_CONFIG, json.dumps(raw))


# --- documents --------------------------------------------------------------------------------


def _tenant_id(tenant: str, config: IdentityConfig) -> str:
    """The tenant a path names: a GUID as given, ``common``/``organizations``/a domain → ours."""
    try:
        return str(uuid.UUID(tenant))
    except ValueError:
        return config.tenant


def openid_configuration(req: Request, store: Store, tenant: str, v2: bool) -> Response:
    config = load_config(store)
    tid = _tenant_id(tenant, config)
    base, v = req.base, "/v2.0" if v2 else ""
    oauth = f"{base}/{tenant}/oauth2{v}"
    doc = {
        "token_endpoint": f"{oauth}/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base}/{tenant}/discovery{v}/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": _issuer(base, tid),
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{base}/oidc/userinfo",
        "authorization_endpoint": f"{oauth}/authorize",
        "device_authorization_endpoint": f"{oauth}/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{oauth}/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "appid"],
        "tenant_region_scope": "WW",
        "cloud_instance_name": "localcloud.invalid",
        "cloud_graph_host_name": "localcloud.invalid",
        "msgraph_host": "localcloud.invalid",
    }
    return json_response(200, doc)


def jwks(store: Store) -> Response:
    return json_response(200, {"keys": [signing_key(store).jwk()]})


def _issuer(base: str, tid: str) -> str:
    return f"{base}/{tid}/v2.0"


def issue(
    store: Store, base: str, audience: str, tid: str, subject: str, kind: str = "app"
) -> tuple[str, int]:
    """A signed access token for ``audience``; returns (token, expires_on epoch seconds)."""
    now = int(time.time())
    claims = {
        "aud": audience,
        "iss": _issuer(base, tid),
        "iat": now,
        "nbf": now,
        "exp": now + LIFETIME,
        "appid": subject,
        "azp": subject,
        "appidacr": "1",
        "idtyp": kind,
        "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tid}/{subject}")),
        "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tid}/{subject}")),
        "tid": tid,
        "uti": uuid.uuid4().hex[:22],
        "ver": "2.0",
    }
    return signing_key(store).sign(claims), now + LIFETIME


def audience_of(scope: str) -> str:
    """``https://x//.default`` → ``https://x/``, ``https://x/.default`` → ``https://x/`` …
    (Entra ID's rule: the resource is the scope less ``.default``, one trailing slash kept)."""
    first = scope.split()[0] if scope.split() else ""
    if first.endswith(".default"):
        first = first[: -len(".default")]
    while first.endswith("//"):
        first = first[:-1]
    return first


# --- the token endpoint -----------------------------------------------------------------------


def _aadsts(
    req: Request, status: int, error: str, number: int, text: str, suffix: str = ""
) -> Response:
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    description = (
        f"AADSTS{number}: {text}{suffix}\r\nTrace ID: {trace}\r\n"
        f"Correlation ID: {correlation}\r\nTimestamp: {stamp}"
    )
    return json_response(
        status,
        {
            "error": error,
            "error_description": description,
            "error_codes": [number],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"{req.base}/error?code={number}",
        },
    )


def _form(req: Request) -> dict[str, str]:
    text = req.body.decode("utf-8", "replace") if req.body else ""
    form = dict(parse_qsl(text, keep_blank_values=True))
    auth = req.headers.get("authorization", "")
    if auth.lower().startswith("basic "):  # client_secret_basic
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            form.setdefault("client_id", unquote(user))
            form.setdefault("client_secret", unquote(password))
        except ValueError:
            pass
    return form


def token(req: Request, store: Store, tenant: str, v2: bool) -> Response:
    """The token endpoint (v2: ``scope``; v1: ``resource``)."""
    config = load_config(store)
    form = _form(req)
    grant = form.get("grant_type", "")
    if grant != "client_credentials":
        return _aadsts(
            req,
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant}'.",
        )
    client_id = form.get("client_id", "")
    if not client_id:
        return _aadsts(
            req,
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        )
    resource = audience_of(form.get("scope", "")) if v2 else form.get("resource", "")
    if not resource:
        field_name = "scope" if v2 else "resource"
        return _aadsts(
            req,
            400,
            "invalid_request",
            900144,
            f"The request body must contain the following parameter: '{field_name}'.",
        )
    tid = _tenant_id(tenant, config)
    refused = _check_client(req, config, form, client_id, tid)
    if refused is not None:
        return refused
    access, expires_on = issue(store, req.base, resource, tid, client_id)
    doc: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": LIFETIME,
        "ext_expires_in": LIFETIME,
        "access_token": access,
    }
    if not v2:
        doc.update(expires_on=str(expires_on), not_before=str(expires_on - LIFETIME))
        doc["resource"] = resource
    return json_response(200, doc)


def _check_client(
    req: Request, config: IdentityConfig, form: dict[str, str], client_id: str, tid: str
) -> Response | None:
    """None when the client may sign in; else Entra ID's refusal."""
    secret, assertion = form.get("client_secret"), form.get("client_assertion")
    if assertion is not None and form.get("client_assertion_type") != _ASSERTION_TYPE:
        return _aadsts(
            req,
            400,
            "invalid_request",
            50027,
            "JWT token is invalid or malformed (client_assertion_type must be "
            f"'{_ASSERTION_TYPE}').",
        )
    if assertion is not None and unverified_claims(assertion).get("sub") not in (None, client_id):
        return _aadsts(
            req,
            401,
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        )
    if secret is None and assertion is None:
        return _aadsts(
            req,
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
        )
    if not config.principals:
        return None
    if config.tenant != tid:
        return _aadsts(req, 400, "invalid_request", 90002, f"Tenant '{tid}' not found.")
    principal = next((p for p in config.principals if p.client_id == client_id), None)
    if principal is None:
        return _aadsts(
            req,
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{tid}'. This can happen if the application has not been installed by the "
            "administrator of the tenant or consented to by any user in the tenant. You may "
            "have sent your authentication request to the wrong tenant.",
        )
    if secret is not None and secret != principal.secret:
        return _aadsts(
            req,
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is "
            "the client secret value, not the client secret ID, for a secret added to app "
            f"'{client_id}'.",
        )
    if assertion is not None and (
        principal.certificate is None or verify_rs256(assertion, principal.certificate) is None
    ):
        return _aadsts(
            req,
            401,
            "invalid_client",
            700027,
            "Client assertion failed signature validation.",
        )
    return None


# --- managed identity -------------------------------------------------------------------------


def managed_identity(req: Request, store: Store, imds: bool) -> Response:
    """App Service's ``/msi/token`` (``X-IDENTITY-HEADER``) or IMDS (``Metadata: true``)."""
    config = load_config(store)
    if imds:
        if req.headers.get("metadata", "").lower() != "true":
            return json_response(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Required metadata header not specified",
                },
            )
    else:
        sent = req.headers.get("x-identity-header", "")
        if not sent or (config.identity_header is not None and sent != config.identity_header):
            return json_response(
                401 if sent else 400,
                {
                    "statusCode": 401 if sent else 400,
                    "message": "X-IDENTITY-HEADER is missing or does not match IDENTITY_HEADER.",
                },
            )
    resource = req.query.get("resource", "")
    if not resource:
        return json_response(
            400,
            {
                "error": "invalid_request",
                "error_description": "Required query variable 'resource' is missing",
            },
        )
    client_id = req.query.get("client_id") or req.query.get("principal_id") or "managed-identity"
    access, expires_on = issue(store, req.base, resource, config.tenant, client_id, "app")
    return json_response(
        200,
        {
            "access_token": access,
            "expires_on": str(expires_on),
            "expires_in": str(LIFETIME),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": client_id,
        },
    )
