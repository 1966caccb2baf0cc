"""The service tags a security rule may name as its source or destination.

Azure checks a rule's ``sourceAddressPrefix`` / ``destinationAddressPrefix`` against its list of
service tags (``SecurityRuleInvalidAddressPrefix`` for a name it does not know, such as a subnet
name). The list here is the set of tags in the public service tag documentation
(learn.microsoft.com/azure/virtual-network/service-tags-overview) that a load balancer scenario
can meet; tags with regional variants accept ``Tag.Region`` (``Storage.WestEurope``). Azure
compares tags case-insensitively (its own messages spell them upper case).
"""

from __future__ import annotations

import re

#: the tags every NSG's default rules use; a rule reaching one of these reaches its meaning
DEFAULT_RULE_TAGS = ("VirtualNetwork", "AzureLoadBalancer", "Internet")

SERVICE_TAGS: frozenset[str] = frozenset(
    t.lower()
    for t in (
        *DEFAULT_RULE_TAGS,
        "ActionGroup",
        "ApiManagement",
        "AppConfiguration",
        "AppService",
        "AppServiceManagement",
        "AzureActiveDirectory",
        "AzureActiveDirectoryDomainServices",
        "AzureAdvancedThreatProtection",
        "AzureArcInfrastructure",
        "AzureBackup",
        "AzureBotService",
        "AzureCloud",
        "AzureCognitiveSearch",
        "AzureConnectors",
        "AzureContainerRegistry",
        "AzureCosmosDB",
        "AzureDatabricks",
        "AzureDataExplorerManagement",
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
        "CognitiveServicesFrontend",
        "CognitiveServicesManagement",
        "DataFactory",
        "DataFactoryManagement",
        "EventHub",
        "GatewayManager",
        "GuestAndHybridManagement",
        "HDInsight",
        "LogicApps",
        "LogicAppsManagement",
        "MicrosoftCloudAppSecurity",
        "MicrosoftContainerRegistry",
        "PowerBI",
        "PowerPlatformInfra",
        "ServiceBus",
        "ServiceFabric",
        "Sql",
        "SqlManagement",
        "Storage",
        "StorageSyncService",
        "WindowsAdminCenter",
        "WindowsVirtualDesktop",
    )
)

_REGIONAL = re.compile(r"^([A-Za-z0-9]+)\.([A-Za-z0-9]+)$")


def is_service_tag(value: str) -> bool:
    """``value`` names a service tag (``Internet``, ``Storage``, ``Sql.WestEurope`` ...)."""
    low = value.lower()
    if low in SERVICE_TAGS:
        return True
    m = _REGIONAL.match(value)
    return bool(m) and m.group(1).lower() in SERVICE_TAGS - _NOT_REGIONAL


_NOT_REGIONAL = frozenset(t.lower() for t in DEFAULT_RULE_TAGS)
