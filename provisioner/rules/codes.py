"""Every finding code the rules emit, and whether Azure itself uses it.

A user who searches the web for a code should land on Azure's own troubleshooting pages, so where
Azure has a code for a mistake we use it verbatim. Where no Azure code could be found, the code is
ours: it is listed in ``OURS`` and its message says so, so nobody goes looking for it in Azure's
documentation.
"""

from __future__ import annotations

# --- Azure's own codes (name: where it was seen) --------------------------------------------------
INVALID_REFERENCE = "InvalidResourceReference"
SAME_BACKEND_PORT_POOL = "RulesUseSameBackendPortProtocolAndPool"
SAME_BACKEND_PORT_POOL_FIP = (
    "RulesUseSameBackendPortProtocolAndPoolAndFrontendIPWithFloatingIPEnabled"
)
SAME_BACKEND_PORT_IPCONFIG = "RulesUseSameBackendPortProtocolAndIPConfig"
SAME_TYPE_BACKEND_PORT_IPCONFIG = "RulesOfSameLoadBalancerTypeUseSameBackendPortProtocolAndIPConfig"
FRONTEND_LIMIT = "LoadBalancerFrontendIPConfigurationCountLimitReached"
NIC_RULE_LIMIT = "LoadBalancerRuleCountLimitReachedForNic"
IP_RESERVED = "PrivateIPAddressInReservedRange"
IP_NOT_IN_SUBNET = "PrivateIPAddressNotInSubnet"
IP_ALLOCATED = "PrivateIPAddressIsAllocated"
SUBNET_OUTSIDE_VNET = "NetcfgSubnetRangeOutsideVnet"
SUBNETS_OVERLAP = "NetcfgSubnetRangesOverlap"
NSG_PRIORITY = "SecurityRuleInvalidPriority"
NSG_CONFLICT = "SecurityRuleConflict"
NSG_PORT_RANGE = "SecurityRuleInvalidPortRange"
NSG_ADDRESS_PREFIX = "SecurityRuleInvalidAddressPrefix"
NSG_UNSUPPORTED_VALUE = "SecurityRuleParameterContainsUnsupportedValue"
NSG_RULE_LIMIT = "SecurityRuleCountLimitReached"
NSG_MIXED_FAMILIES = "ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies"
INVALID_PARAMETER = "InvalidParameter"
WRONG_TYPE_REFERENCE = "InvalidJsonReferenceWrongType"

AZURE: dict[str, str] = {
    INVALID_REFERENCE: "bicep-types-az#1403, pulumi-azure-native#3601",
    SAME_BACKEND_PORT_POOL: "azure-docs#94673, azure-quickstart-templates#2014",
    SAME_BACKEND_PORT_POOL_FIP: "kubernetes-sigs/cloud-provider-azure#521",
    SAME_BACKEND_PORT_IPCONFIG: "terraform-provider-azurerm#84",
    SAME_TYPE_BACKEND_PORT_IPCONFIG: "hashicorp/terraform#15923, LB deployment-errors page",
    FRONTEND_LIMIT: "colemickens/azure-kubernetes-status#6",
    NIC_RULE_LIMIT: "LB deployment-errors page (azure-reference.md §2.1)",
    IP_RESERVED: "terraform-provider-azurerm#4225, ARM common deployment errors table",
    IP_NOT_IN_SUBNET: "ARM common deployment errors table",
    # Azure answers a NIC asking for an address another NIC holds with this code (acs-engine-
    # terraform#10, F5 terraform-azure-bigip-module#63); ``PrivateIPAddressInUse`` shows up only in
    # emulators and for Private Link services, so it is not used here.
    IP_ALLOCATED: "acs-engine-terraform#10, F5Networks/terraform-azure-bigip-module#63",
    SUBNET_OUTSIDE_VNET: "MicrosoftDocs/azure-docs#123869 (quoted service error)",
    SUBNETS_OVERLAP: "MicrosoftDocs/azure-docs#123869 (quoted service error)",
    NSG_PRIORITY: "pulumi-azure-native#2221, azure-rest-api-specs#22874 (allowed range 100-4096)",
    NSG_CONFLICT: "Azure/aks-engine#2106 (same priority and direction)",
    NSG_PORT_RANGE: "Azure/azure-cli#23499, terraform-provider-azurerm#1530",
    NSG_ADDRESS_PREFIX: "terraform-provider-azurerm#16761 (host bits set, unknown tag)",
    NSG_UNSUPPORTED_VALUE: "terraform-provider-azurerm#5617 (a tag or '*' in a prefix list)",
    NSG_RULE_LIMIT: "azure-rest-api-specs#3003 ('cannot have more than 1000 security rules')",
    NSG_MIXED_FAMILIES: "gardener-extension-provider-azure#397, terraform-provider-azurerm#12534",
    # Azure answers a reserved admin name ("The Admin Username specified is not allowed.") and a
    # Windows one over 20 characters ("Windows admin user name cannot be more than 20
    # characters long…") with this code, target adminUsername.
    INVALID_PARAMETER: "azure-cli#582, azure-docs#27881, azure-quickstart-templates#2577",
    # A detail of ``InvalidRequestFormat``: "Reference Id … is referencing resource of a wrong
    # type. The Id is expected to reference resources of type …"; used for a brownfield id that
    # names another type of resource than its field takes.
    WRONG_TYPE_REFERENCE: "Azure/terraform-azurerm-computegroup#17 (InvalidRequestFormat detail)",
}

# --- Ours (no Azure code found) -----------------------------------------------------------------
DUPLICATE_VM_NAME = "DuplicateVmName"
INTERNAL_FRONTEND_WITHOUT_SUBNET = "InternalFrontendWithoutSubnet"
PUBLIC_FRONTEND_WITH_PRIVATE_ADDRESS = "PublicFrontendWithPrivateAddress"
INTERNAL_FRONTEND_WITH_PUBLIC_IP = "InternalFrontendWithPublicIp"
IP_VERSION_MISMATCH = "IpVersionMismatch"
IPV6_PREFIX_LENGTH = "Ipv6SubnetPrefixNotSlash64"
SUBNET_WITHOUT_IPV6 = "SubnetWithoutIpv6Prefix"
VM_WITHOUT_IPV6 = "VmWithoutIpv6"
DUPLICATE_FRONTEND_PORT = "RulesUseSameFrontendProtocolAndPort"
HA_PORTS_SHAPE = "InvalidHaPortsRule"
HA_PORTS_PUBLIC = "HaPortsRequireInternalLoadBalancer"
HA_PORTS_PER_FRONTEND = "HaPortsRuleCountLimitReachedForFrontend"
HA_PORTS_MIXED_POOL = "HaPortsAndNonHaPortsRulesOnSamePool"
HA_PORTS_NOT_ALONE = "NonFloatingHaPortsRuleMustBeOnlyRule"
FIP_IPV6_INTERNAL = "FloatingIpForIpv6OnInternalLoadBalancer"
RULE_LIMIT = "LoadBalancerRuleCountLimitReached"
NO_NSG_NOT_ACKNOWLEDGED = "NoNetworkSecurityGroupNotAcknowledged"
NO_OUTBOUND_NOT_ACKNOWLEDGED = "NoOutboundNotAcknowledged"
NSG_DENIES_ROW = "SecurityRuleDeniesMappingRow"
NSG_DENIES_PROBE = "SecurityRuleDeniesHealthProbe"
OUTBOUND_NEEDS_PUBLIC_LB = "OutboundRuleNeedsPublicLoadBalancer"
NAT_GATEWAY_NEEDS_OWN_VNET = "NatGatewayNeedsOwnVirtualNetwork"
EXISTING_OUTBOUND_NEEDS_EXISTING_VNET = "ExistingOutboundNeedsExistingVirtualNetwork"

# warnings (never fatal)
DUPLICATE_POOL_MEMBER = "DuplicatePoolMember"
PROBE_ON_FLOATING_PORT = "ProbeAnsweredOnlyOnFloatingIp"
FIP_OUTBOUND = "FloatingIpOutboundSnat"
PUBLIC_IP_COST = "PublicIpCost"
RULE_WITHOUT_PROBE = "RuleWithoutProbe"
EMPTY_POOL = "EmptyBackendPool"
UNUSED_FRONTEND = "UnusedFrontend"
UNUSED_POOL = "UnusedBackendPool"
UNUSED_PROBE = "UnusedProbe"
NO_NSG = "NoNetworkSecurityGroup"
NO_OUTBOUND = "NoOutbound"
WINDOWS_SIZE = "WindowsVmSizeBelow2GiB"

OURS: dict[str, str] = {
    DUPLICATE_VM_NAME: "a count-expanded name (web-2) equals another VM's key",
    INTERNAL_FRONTEND_WITHOUT_SUBNET: "an internal frontend needs a subnet for its private IP",
    PUBLIC_FRONTEND_WITH_PRIVATE_ADDRESS: "a public frontend was given a subnet or private_ip",
    INTERNAL_FRONTEND_WITH_PUBLIC_IP: "an internal frontend was given public_ip_id",
    IP_VERSION_MISMATCH: "an IPv6 value where IPv4 is expected, or the reverse",
    IPV6_PREFIX_LENGTH: "Azure IPv6 subnets are exactly /64",
    SUBNET_WITHOUT_IPV6: "IPv6 requested in a subnet without ipv6_prefix",
    VM_WITHOUT_IPV6: "a VM reached by an IPv6 rule has no IPv6 IP configuration",
    DUPLICATE_FRONTEND_PORT: "two rules share (frontend, protocol, frontend port) (U1)",
    HA_PORTS_SHAPE: "protocol all needs port 0 and backend port 0; port 0 needs protocol all",
    HA_PORTS_PUBLIC: "HA ports exist only on Standard internal load balancers",
    HA_PORTS_PER_FRONTEND: "Azure allows one HA ports rule per internal frontend",
    HA_PORTS_MIXED_POOL: "HA ports and other rules cannot share a backend pool",
    HA_PORTS_NOT_ALONE: "an IP configuration behind a non-floating HA rule takes no other rule",
    FIP_IPV6_INTERNAL: "Floating IP for IPv6 does not work on internal load balancers",
    RULE_LIMIT: "more than 1,500 rules on one Standard load balancer",
    NO_NSG_NOT_ACKNOWLEDGED: "security none without acknowledge_no_nsg",
    NO_OUTBOUND_NOT_ACKNOWLEDGED: "outbound none with guest setup, without acknowledge_no_outbound",
    NSG_DENIES_ROW: "an NSG rule denies the whole traffic of a load balancer rule",
    NSG_DENIES_PROBE: "an NSG rule denies a health probe (AzureLoadBalancer to the probe port)",
    OUTBOUND_NEEDS_PUBLIC_LB: "lb_outbound_rule without one public load balancer to carry it",
    NAT_GATEWAY_NEEDS_OWN_VNET: "a NAT gateway cannot be attached to subnets of an existing VNet",
    EXISTING_OUTBOUND_NEEDS_EXISTING_VNET: "outbound existing, but the VNet is the environment's",
    DUPLICATE_POOL_MEMBER: "a pool names the same VM twice (warning)",
    PROBE_ON_FLOATING_PORT: "a probe targets a port the service binds on the frontend IP (warning)",
    FIP_OUTBOUND: "outbound traffic sourced from a floating IP is not SNATed (warning)",
    PUBLIC_IP_COST: "each public frontend is a billed Standard public IP (warning)",
    RULE_WITHOUT_PROBE: "a rule without a health probe (warning)",
    EMPTY_POOL: "a backend pool without VMs (warning)",
    UNUSED_FRONTEND: "a frontend no rule uses (warning)",
    UNUSED_POOL: "a backend pool no rule uses (warning)",
    UNUSED_PROBE: "a probe no rule uses (warning)",
    NO_NSG: "subnets without an NSG: a public Standard load balancer delivers nothing (warning)",
    NO_OUTBOUND: "VMs without outbound (warning)",
    WINDOWS_SIZE: "a Windows VM on a size with less than 2 GiB of memory (warning)",
}

#: Codes that only ever come as warnings.
WARNINGS: frozenset[str] = frozenset(
    {
        DUPLICATE_POOL_MEMBER,
        PROBE_ON_FLOATING_PORT,
        FIP_OUTBOUND,
        PUBLIC_IP_COST,
        RULE_WITHOUT_PROBE,
        EMPTY_POOL,
        UNUSED_FRONTEND,
        UNUSED_POOL,
        UNUSED_PROBE,
        NO_NSG,
        NO_OUTBOUND,
        WINDOWS_SIZE,
    }
)

#: Appended to the message of a finding whose code is ours.
OWN_CODE_NOTE = " (provisioner's own code: Azure documents no error code for this)"
