"""Which Azure cloud a command talks to: Azure public, a sovereign cloud, or any ARM endpoint.

``--cloud`` (or ``--arm-endpoint``, or ``$PROVISION_ARM_ENDPOINT``) names it:

- ``azure`` / ``AzureCloud``, ``AzureChinaCloud``, ``AzureUSGovernment``: the well-known ARM
  and sign-in endpoints (the values azure-cli's ``core/cloud.py`` and azure-identity's
  ``AzureAuthorityHosts`` carry), signed in with ``DefaultAzureCredential`` at that authority;
- an ``https://`` URL: any ARM endpoint (a served local cloud, Azure Stack Hub). Like
  ``az cloud register --endpoint-resource-manager``, its ``/metadata/endpoints`` document says
  where to sign in and which token audience to ask for; credentials come from the environment
  (``AZURE_CLIENT_ID``, ``AZURE_CLIENT_SECRET``, ``AZURE_TENANT_ID``), and with no subscription
  given the endpoint's single subscription is used.

``--ca-bundle`` (or ``$PROVISION_CA_BUNDLE``) is the CA file HTTPS is verified with, for the
endpoint, its metadata and its sign-in. Every problem here is bad input (exit 2): the metadata
cannot be read, has no login endpoint, the credentials are missing.
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from provisioner.errors import UserInputError

ENDPOINT_ENV = "PROVISION_ARM_ENDPOINT"
CA_BUNDLE_ENV = "PROVISION_CA_BUNDLE"
METADATA_API = "2022-09-01"
SUBSCRIPTIONS_API = "2022-12-01"


@dataclass(frozen=True)
class Cloud:
    """Where ARM is, where to sign in and the audience of the token."""

    name: str
    resource_manager: str  # ends with "/"
    login: str  # authority host, no trailing slash
    audience: str
    custom: bool = False  # reached through its metadata: no instance discovery

    @property
    def scope(self) -> str:
        return self.audience.rstrip("/") + "/.default"


KNOWN = {
    "azurecloud": Cloud(
        "AzureCloud",
        "https://management.azure.com/",
        "https://login.microsoftonline.com",
        "https://management.core.windows.net/",
    ),
    "azurechinacloud": Cloud(
        "AzureChinaCloud",
        "https://management.chinacloudapi.cn/",
        "https://login.chinacloudapi.cn",
        "https://management.core.chinacloudapi.cn/",
    ),
    "azureusgovernment": Cloud(
        "AzureUSGovernment",
        "https://management.usgovcloudapi.net/",
        "https://login.microsoftonline.us",
        "https://management.core.usgovcloudapi.net/",
    ),
}


def is_endpoint(cloud: str | None) -> bool:
    return bool(cloud) and str(cloud).lower().startswith(("https://", "http://"))


def chosen(cloud: str | None) -> str | None:
    """``--cloud`` as given, else ``$PROVISION_ARM_ENDPOINT`` (an endpoint in the environment)."""
    return cloud or os.environ.get(ENDPOINT_ENV) or None


def known(cloud: str | None) -> Cloud | None:
    """The sovereign (or public) cloud ``cloud`` names, or None."""
    if not cloud:
        return None
    return KNOWN.get(cloud.lower())


def ca_bundle(given: str | os.PathLike[str] | None = None) -> str | None:
    path = given or os.environ.get(CA_BUNDLE_ENV) or None
    if path is None:
        return None
    if not os.path.isfile(path):
        raise UserInputError(f"--ca-bundle {str(path)!r} is not a file")
    return str(path)


def _get_json(url: str, ca: str | None, token: str | None = None) -> Any:
    if url.lower().startswith("http://"):
        raise UserInputError(
            f"ARM endpoint {url!r}: plain http cannot carry a bearer token; serve it over https "
            "(provision local serve --tls) and pass --ca-bundle"
        )
    context = ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), context=context, timeout=30
        ) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise UserInputError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise UserInputError(f"{url} cannot be read: {reason}") from None


def from_metadata(endpoint: str, ca: str | None) -> Cloud:
    """The cloud an ARM endpoint describes in ``/metadata/endpoints`` (as az CLI reads it)."""
    base = endpoint.rstrip("/")
    doc = _get_json(f"{base}/metadata/endpoints?api-version={METADATA_API}", ca)
    if isinstance(doc, list):  # the 2019-05-01 shape, should an endpoint answer with it
        doc = next((d for d in doc if isinstance(d, dict)), {})
    auth = doc.get("authentication") if isinstance(doc, dict) else None
    login = auth.get("loginEndpoint") if isinstance(auth, dict) else None
    audiences = auth.get("audiences") if isinstance(auth, dict) else None
    if not login or not audiences:
        raise UserInputError(
            f"ARM endpoint {endpoint!r}: its /metadata/endpoints names no "
            "authentication.loginEndpoint and audiences"
        )
    return Cloud(
        str(doc.get("name") or "custom"),
        str(doc.get("resourceManager") or f"{base}/"),
        str(login).rstrip("/"),
        str(audiences[0]),
        custom=True,
    )


def credential(cloud: Cloud, ca: str | None) -> Any:
    """The credential for ``cloud``: environment service principal at a custom endpoint."""
    from azure.identity import ClientSecretCredential, DefaultAzureCredential

    kwargs: dict[str, Any] = {"connection_verify": ca} if ca else {}
    if not cloud.custom and cloud.name == "AzureCloud":
        return DefaultAzureCredential(**kwargs)
    if not cloud.custom:
        return DefaultAzureCredential(authority=cloud.login, **kwargs)
    names = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        raise UserInputError(
            f"ARM endpoint {cloud.resource_manager}: set {', '.join(missing)} (the service "
            "principal to sign in with; a served local cloud accepts any id and secret)"
        )
    tenant, client, secret = (os.environ[n] for n in names)
    return ClientSecretCredential(
        tenant,
        client,
        secret,
        authority=cloud.login,
        disable_instance_discovery=True,
        **kwargs,
    )


def only_subscription(cloud: Cloud, cred: Any, ca: str | None) -> str:
    """The endpoint's one subscription, for a command given none."""
    token = cred.get_token(cloud.scope).token
    url = f"{cloud.resource_manager.rstrip('/')}/subscriptions?api-version={SUBSCRIPTIONS_API}"
    subs = [s.get("subscriptionId") for s in (_get_json(url, ca, token).get("value") or [])]
    if len(subs) != 1 or not subs[0]:
        raise UserInputError(
            f"ARM endpoint {cloud.resource_manager} lists {len(subs)} subscriptions; "
            "pass --subscription"
        )
    return str(subs[0])
