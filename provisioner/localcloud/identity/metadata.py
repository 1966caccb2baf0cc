"""Cloud metadata: ``GET /metadata/endpoints``, the document a client reads to learn a cloud.

Azure CLI's ``az cloud register --endpoint-resource-manager URL`` and azure-identity based tools
read it to find the sign-in endpoint and the token audience of an ARM endpoint; Ansible's
azure.azcollection reads it through ``ARM_CLOUD_METADATA_URL``. Two shapes are served, chosen by
``api-version`` as ARM chooses them (shared/peer-clients.md, measured with az CLI 2.91 and
azcollection 3.21):

- ``2019-05-01`` (and anything before ``2020-06-01``): a **list** of cloud documents (Ansible);
- ``2020-06-01`` and later (az CLI asks ``2022-09-01``): the **single** document of this cloud;
- ``2015-01-01`` and older: the first shape (``galleryEndpoint``, ``graphEndpoint``,
  ``portalEndpoint``, ``authentication``), which Azure Stack Hub still serves.

Every URL names the local cloud itself (the address the client used), so nothing a client
derives from it leaves the machine: the login endpoint is the local identity provider
(``identity/tokens.py``) and the VM image alias document is served here too. The cloud's name is
``LocalCloud``: az CLI forces the public login endpoint on a cloud named ``AzureCloud``.
"""

from __future__ import annotations

from typing import Any

from provisioner.localcloud.wire import Request, Response, json_response

CLOUD_NAME = "LocalCloud"
#: Audiences tokens may be asked for, besides the cloud's own URL: the ones Azure's clients
#: default to, so a client that keeps its public-cloud audience still signs in.
PUBLIC_AUDIENCES = ("https://management.core.windows.net/", "https://management.azure.com/")
ALIASES_PATH = "/metadata/vm-image-aliases"


def cloud_document(base: str) -> dict[str, Any]:
    """The single-object form (api-version 2020-06-01 and later)."""
    root = f"{base}/"
    return {
        "portal": base,
        "authentication": {
            "loginEndpoint": base,
            "audiences": [root, *PUBLIC_AUDIENCES],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": root,
        "graphAudience": root,
        "graph": root,
        "name": CLOUD_NAME,
        "suffixes": {
            "azureDataLakeStoreFileSystem": "localcloud.invalid",
            "acrLoginServer": "localcloud.invalid",
            "sqlServerHostname": "localcloud.invalid",
            "azureDataLakeAnalyticsCatalogAndJob": "localcloud.invalid",
            "keyVaultDns": "vault.localcloud.invalid",
            "storage": "localcloud.invalid",
            "azureFrontDoorEndpointSuffix": "localcloud.invalid",
            "storageSyncEndpointSuffix": "localcloud.invalid",
            "mhsmDns": "localcloud.invalid",
            "mysqlServerEndpoint": "localcloud.invalid",
            "postgresqlServerEndpoint": "localcloud.invalid",
            "mariadbServerEndpoint": "localcloud.invalid",
            "synapseAnalytics": "localcloud.invalid",
            "attestationEndpoint": "localcloud.invalid",
        },
        "batch": root,
        "resourceManager": root,
        "vmImageAliasDoc": f"{base}{ALIASES_PATH}",
        "activeDirectoryDataLake": root,
        "sqlManagement": root,
        "gallery": root,
        "microsoftGraphResourceId": root,
        "appInsightsResourceId": base,
        "appInsightsTelemetryChannelResourceId": f"{base}/v2/track",
        "attestationResourceId": base,
        "synapseAnalyticsResourceId": base,
        "logAnalyticsResourceId": base,
        "ossrDbmsResourceId": base,
    }


def legacy_document(base: str) -> dict[str, Any]:
    """The 2015-01-01 form (Azure Stack Hub, msrestazure)."""
    doc = cloud_document(base)
    return {
        "galleryEndpoint": doc["gallery"],
        "graphEndpoint": doc["graph"],
        "portalEndpoint": doc["portal"],
        "authentication": {
            "loginEndpoint": doc["authentication"]["loginEndpoint"],
            "audiences": doc["authentication"]["audiences"],
        },
    }


def shape_for(api_version: str) -> str:
    """``legacy``, ``list`` or ``single``: which form an api-version gets."""
    if not api_version or api_version[:10] < "2019-05-01":
        return "legacy"
    if api_version[:10] < "2020-06-01":
        return "list"
    return "single"


def metadata_endpoints(req: Request) -> Response:
    shape = shape_for(req.api_version)
    if shape == "legacy":
        return json_response(200, legacy_document(req.base))
    doc = cloud_document(req.base)
    return json_response(200, [doc] if shape == "list" else doc)
