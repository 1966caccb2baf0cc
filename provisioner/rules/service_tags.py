"""Service tags an NSG rule may name as a source or destination.

From Microsoft's service tag list (learn.microsoft.com/azure/virtual-network/service-tags-overview,
"Available service tags"): the tags a load balancer scenario is likely to name. Tags marked
regional there also take a region (``Storage.WestEurope``); the three every NSG's default rules
use do not. Azure compares tags without case and refuses a name it does not know with
``SecurityRuleInvalidAddressPrefix`` (a subnet's name, say). A real but rare tag missing here is
refused by ``validate`` too: add it.

(The local cloud keeps its own list, written apart: each checks the other.)
"""

from __future__ import annotations

import re

#: Tags without a regional form.
BASE_TAGS = ("Internet", "VirtualNetwork", "AzureLoadBalancer")

_TAGS = (
    *BASE_TAGS,
    "ActionGroup",
    "ApiManagement",
    "AppConfiguration",
    "AppService",
    "AppServiceManagement",
    "AzureActiveDirectory",
    "AzureActiveDirectoryDomainServices",
    "AzureArcInfrastructure",
    "AzureBackup",
    "AzureBotService",
    "AzureCloud",
    "AzureCognitiveSearch",
    "AzureConnectors",
    "AzureContainerRegistry",
    "AzureCosmosDB",
    "AzureDatabricks",
    "AzureDevOps",
    "AzureEventGrid",
    "AzureFrontDoor.Backend",
    "AzureFrontDoor.Frontend",
    "AzureFrontDoor.FirstParty",
    "AzureIoTHub",
    "AzureKeyVault",
    "AzureMachineLearning",
    "AzureMonitor",
    "AzurePlatformDNS",
    "AzurePlatformIMDS",
    "AzurePlatformLKM",
    "AzureResourceManager",
    "AzureSignalR",
    "AzureSiteRecovery",
    "AzureTrafficManager",
    "AzureUpdateDelivery",
    "BatchNodeManagement",
    "CognitiveServicesManagement",
    "DataFactory",
    "EventHub",
    "GatewayManager",
    "GuestAndHybridManagement",
    "HDInsight",
    "LogicApps",
    "MicrosoftContainerRegistry",
    "PowerBI",
    "ServiceBus",
    "ServiceFabric",
    "Sql",
    "SqlManagement",
    "Storage",
    "StorageSyncService",
    "WindowsAdminCenter",
    "WindowsVirtualDesktop",
)

KNOWN: frozenset[str] = frozenset(t.lower() for t in _TAGS)
_REGIONLESS = frozenset(t.lower() for t in BASE_TAGS)
_REGIONAL = re.compile(r"^(?P<tag>[A-Za-z]+(?:\.[A-Za-z]+)?)\.(?P<region>[A-Za-z0-9]+)$")


def is_service_tag(value: str) -> bool:
    """``Internet``, ``AzureFrontDoor.Backend``, ``Storage.WestEurope``… (any case)."""
    if value.lower() in KNOWN:
        return True
    match = _REGIONAL.match(value)
    if match is None:
        return False
    tag = match["tag"].lower()
    return tag in KNOWN and tag not in _REGIONLESS
