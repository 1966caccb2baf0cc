"""Every error code the local cloud's rules can raise, with Azure's message template.

Kept in one table so the documentation of what the fake enforces (code, status, whether the code
and message were seen in real Azure traffic, and where) is generated from the code that raises it.
Codes starting with ``LocalCloud`` are invented: no public record of Azure's own code was found.
"""

from __future__ import annotations

from dataclasses import dataclass

from .violation import RuleViolation


@dataclass(frozen=True)
class ErrorCode:
    """One refusal: Azure's code, HTTP status, message template and provenance."""

    code: str
    template: str
    verified: bool
    source: str
    status: int = 400

    def violation(self, details: list[dict] | None = None, **fields: object) -> RuleViolation:
        """Build the exception with the template filled in (``details`` default ``[]``)."""
        return RuleViolation(self.status, self.code, self.template.format(**fields), details)


_REF = (
    "Resource {missing} referenced by resource {referrer} was not found. Please make sure that "
    "the referenced resource exists, and that both resources are in the same region."
)

INVALID_RESOURCE_REFERENCE = ErrorCode(
    "InvalidResourceReference",
    _REF,
    True,
    "Azure/bicep-types-az#1403, pulumi-azure-native#3601 (code and message); also raised, with "
    "the NIC ipconfig as referrer, when a load balancer PUT drops a pool or inbound NAT rule a "
    "NIC still references (that use inferred: Azure validates every reference on a write). A "
    "missing NSG or NAT gateway comes with a NotFound detail, as in "
    "hashicorp/terraform-provider-azurerm#14344 (subnet PUT naming a missing NSG)",
)
INVALID_REQUEST_FORMAT = ErrorCode(
    "InvalidRequestFormat",
    "Cannot parse the request.",
    True,
    "Azure/azure-rest-api-specs#10104 (code and message; detail shape inferred)",
)
LB_WITHOUT_FRONTEND = ErrorCode(
    "LoadBalancerWithoutFrontendIPCantHaveChildResources",
    "Load balancer {lb} does not have any frontend IP configuration, so it cannot have child "
    "resources such as backend address pools, probes, load balancing rules, inbound NAT rules "
    "or outbound rules.",
    True,
    "azure-docs load-balancer-common-deployment-errors (code); message inferred",
)
FRONTEND_BOTH = ErrorCode(
    "FrontendIPConfigHasBothSubnetAndPublicIP",
    "Frontend IP Configuration {frontend} must not reference both a Subnet and a Public IP "
    "Address.",
    True,
    "hashicorp/terraform-provider-azurerm#1622",
)
FRONTEND_NEITHER = ErrorCode(
    "FrontendIPConfigHasNoSubnetOrPublicIP",
    "Frontend IP Configuration {frontend} must reference either a Subnet or a Public IP Address.",
    True,
    "ernestio/ernest#480",
)
FRONTEND_KINDS_MIXED = ErrorCode(
    "LocalCloudLoadBalancerFrontendTypesMixed",
    "Load balancer {lb} cannot have both public frontend IP configuration {public} and private "
    "frontend IP configuration {private}.",
    False,
    "invented; rule from cloud-provider-azure (a load balancer is public or internal)",
)
SKU_MISMATCH = ErrorCode(
    "PublicIPAndLBSkuDoNotMatch",
    "{lb_sku} sku load balancer {lb} cannot reference {pip_sku} sku publicIP {pip}.",
    True,
    "Azure/terraform-azurerm-loadbalancer#32, service-fabric-scripts#51",
)
PIP_IN_USE = ErrorCode(
    "PublicIPAddressInUse",
    "Resource {referrer} is referencing public IP address {pip} that is already allocated to "
    "resource {owner}.",
    True,
    "gardener/gardener-extension-provider-azure#757, #759",
)
PIP_REFERENCED_TWICE = ErrorCode(
    "PublicIPReferencedByMultipleIPConfigs",
    "Public ip address {pip} is referenced by multiple ipconfigs in resource {resource}.",
    True,
    "kubernetes-sigs/cloud-provider-azure#4243",
)
INVALID_PORT = ErrorCode(
    "LocalCloudInvalidRulePort",
    "{port_name} {port} of rule {rule} is not valid: it must be between {low} and {high}, and 0 "
    "only for a high availability ports rule (protocol All, frontend and backend port 0).",
    False,
    "invented; ranges from azure-mgmt-network model docs",
)
INVALID_IDLE_TIMEOUT = ErrorCode(
    "LocalCloudInvalidIdleTimeout",
    "Idle timeout {value} of {rule} is not valid: it must be between 4 and 100 minutes.",
    False,
    "invented; range from azure-mgmt-network model docs",
)
DUPLICATE_FRONTEND = ErrorCode(
    "LocalCloudRulesUseSameFrontendIPProtocolAndPort",
    "Rules {rule1} and {rule2} use the same frontend IP configuration {frontend}, protocol "
    "{protocol} and frontend port {port}; port numbers for each rule must be unique within the "
    "load balancer.",
    False,
    "invented; rule from the LoadBalancingRule.frontendPort API doc and load-balancer-multivip",
)
SAME_BACKEND_POOL = ErrorCode(
    "RulesUseSameBackendPortProtocolAndPool",
    "Load balancing rules {rule1} and {rule2} with floating IP disabled use the same protocol "
    "{protocol} and backend port {port}, and must not be used with the same backend address pool "
    "{pool}.",
    True,
    "MicrosoftDocs/azure-docs#117762, #94673, azure-quickstart-templates#2014",
)
SAME_BACKEND_POOL_FLOATING = ErrorCode(
    "RulesUseSameBackendPortProtocolAndPoolAndFrontendIPWithFloatingIPEnabled",
    "Load balancing rules {rule1} and {rule2} with floating IP enabled use the same protocol "
    "{protocol} and backend port {port} and frontend IP {frontend}, and must not be used with the "
    "same backend address pool {pool}.",
    True,
    "kubernetes-sigs/cloud-provider-azure#521",
)
SAME_BACKEND_IPCONFIG = ErrorCode(
    "RulesUseSameBackendPortProtocolAndIPConfig",
    "Load balancer rules {rule1} and {rule2} with floating IP {floating} use the same backend "
    "port {port} and protocol {protocol}, and must not be used with the same backend IP "
    "{ipconfig}.",
    True,
    "hashicorp/terraform-provider-azurerm#84, #273, hashicorp/terraform#14253",
)
SAME_LB_TYPE_BACKEND_IPCONFIG = ErrorCode(
    "RulesOfSameLoadBalancerTypeUseSameBackendPortProtocolAndIPConfig",
    "Load balancer rules {rule1} and {rule2} belong to load balancers of the same type and use "
    "the same backend port {port} and protocol {protocol}, and must not be used with the same "
    "backend IP {ipconfig}.",
    True,
    "hashicorp/terraform#15923, azure-powershell#2042, load-balancer-common-deployment-errors "
    "(code); current message wording inferred",
)
HA_PORTS_NOT_STANDARD_INTERNAL = ErrorCode(
    "LocalCloudHaPortsRuleRequiresStandardInternalLoadBalancer",
    "Load balancing rule {rule} is a high availability ports rule (protocol All, ports 0), which "
    "is only supported on Standard (and Gateway) internal load balancers; load balancer {lb} is "
    "{kind}.",
    False,
    "invented; rule from load-balancer-ha-ports-overview; Gateway load balancers take HA ports "
    "rules (REST spec LoadBalancerCreateGatewayLoadBalancerProviderWithOneBackendPool.json)",
)
HA_PORTS_MIXED_ON_POOL = ErrorCode(
    "LocalCloudHaPortsAndOtherRulesOnSamePool",
    "High availability ports rule {ha_rule} and rule {other_rule} must not be used with the same "
    "backend address pool {pool}.",
    False,
    "invented; rule from load-balancer-ha-ports-overview limitations",
)
HA_PORTS_TWICE_ON_FRONTEND = ErrorCode(
    "LocalCloudMoreThanOneHaPortsRuleOnFrontend",
    "High availability ports rules {rule1} and {rule2} use the same frontend IP configuration "
    "{frontend}; a frontend can have one high availability ports rule.",
    False,
    "invented; limit from the load balancer limits table and load-balancer-ha-ports-overview",
)
HA_PORTS_NOT_EXCLUSIVE = ErrorCode(
    "LocalCloudHaPortsRuleWithFloatingIPDisabledMustBeOnlyRule",
    "High availability ports rule {ha_rule} with floating IP disabled reaches backend IP "
    "{ipconfig}, which must then have no other rule, but rule {other_rule} also reaches it.",
    False,
    "invented; rule from load-balancer-ha-ports-overview limitations",
)
IPV6_FLOATING_INTERNAL = ErrorCode(
    "LocalCloudFloatingIPNotSupportedForIPv6OnInternalLoadBalancer",
    "Load balancing rule {rule} enables floating IP on IPv6 frontend {frontend} of internal load "
    "balancer {lb}; floating IP for IPv6 does not work on internal load balancers.",
    False,
    "invented; rule from load-balancer-floating-ip (Azure documents it as not working)",
)
FLOATING_ON_SECONDARY = ErrorCode(
    "LocalCloudFloatingIPNotSupportedOnSecondaryIPConfig",
    "Rule {rule} with floating IP enabled reaches IP configuration {ipconfig}, which is not the "
    "primary IP configuration of its network interface; floating IP is only supported on primary "
    "IP configurations.",
    False,
    "invented; rule from load-balancer-multivip-overview and load-balancer-floating-ip",
)
FRONTEND_LIMIT = ErrorCode(
    "LoadBalancerFrontendIPConfigurationCountLimitReached",
    "A load balancer cannot have more than {limit} FrontendIPConfigurations.",
    True,
    "Azure/acs-engine#447, colemickens/azure-kubernetes-status#6",
)
RULE_LIMIT = ErrorCode(
    "LocalCloudLoadBalancerRuleCountLimitReached",
    "Load balancer {lb} cannot have more than {limit} load balancing and inbound NAT rules "
    "combined; it has {count}.",
    False,
    "invented; limit from the load balancer limits table (1,500 Standard, 250 Basic)",
)
OUTBOUND_RULE_LIMIT = ErrorCode(
    "LocalCloudOutboundRuleCountLimitReached",
    "Load balancer {lb} cannot have more than {limit} outbound rules; it has {count}.",
    False,
    "invented; limit from the load balancer limits table (600)",
)
NIC_RULE_LIMIT = ErrorCode(
    "LoadBalancerRuleCountLimitReachedForNic",
    "IpConfiguration {ipconfig} cannot have more than {limit} NAT or load balancing rules "
    "combined.",
    True,
    "load-balancer-common-deployment-errors (code), MicrosoftDocs/azure-docs#47423 (message)",
)
STANDARD_PIP_STATIC = ErrorCode(
    "StandardSkuPublicIPAddressesMustBeStatic",
    "Standard sku publicIp {pip} must have AllocationMethod set to Static.",
    True,
    "MicrosoftDocs/azure-docs#42889, pulumi-azure-native#1597",
)
BASIC_IPV6_STATIC = ErrorCode(
    "CannotSpecifyPublicIpAllocationMethodAsStaticForIpV6PublicIp",
    "Cannot specify public ip allocation method as Static for IPv6 public ip {pip}.",
    True,
    "hashicorp/terraform-provider-azurerm#14762 (code); message inferred",
)
SUBNET_INVALID = ErrorCode(
    "NetcfgInvalidSubnet",
    "Subnet '{subnet}' is not valid in virtual network '{vnet}'.",
    True,
    "Azure/azure-cli#28097",
)
SUBNET_OUTSIDE_VNET = ErrorCode(
    "NetcfgSubnetRangeOutsideVnet",
    "Subnet '{subnet}' is not valid because its IP address range is outside the IP address range "
    "of virtual network '{vnet}'.",
    True,
    "MicrosoftDocs/azure-docs#123869",
)
SUBNETS_OVERLAP = ErrorCode(
    "NetcfgSubnetRangesOverlap",
    "Subnet '{subnet}' is not valid because its IP address range overlaps with that of an "
    "existing subnet in virtual network '{vnet}'.",
    True,
    "MicrosoftDocs/azure-docs#123869",
)
SUBNET_IN_USE = ErrorCode(
    "InUseSubnetCannotBeDeleted",
    "Subnet {subnet} is in use by {ipconfig} and cannot be deleted. In order to delete the "
    "subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.",
    True,
    "Azure-Samples/jmeter-aci-terraform#69, cluster-api-provider-azure#172, "
    "terraform-provider-azurerm#688",
)
IP_NOT_IN_SUBNET = ErrorCode(
    "PrivateIPAddressNotInSubnet",
    "Private static IP address {ip} does not belong to the range of subnet prefix {prefix}.",
    True,
    "ARM common deployment errors table (code); message seen in several public lab write-ups",
)
IP_RESERVED = ErrorCode(
    "PrivateIPAddressInReservedRange",
    "Private static IP address {ip} falls within reserved IP range of subnet prefix {prefix}.",
    True,
    "ARM common deployment errors table (code); message from a public Application Gateway log",
)
IP_ALLOCATED = ErrorCode(
    "PrivateIPAddressIsAllocated",
    "IP configuration {ipconfig} is using the private IP address {ip} which is already allocated "
    "to resource {owner}.",
    True,
    "daniel-rhoades/acs-engine-terraform#10 (2018) and F5Networks/terraform-azure-bigip-module#63 "
    "(2024), both verbatim NIC PUT errors; azure-docs PostgreSQL private endpoint troubleshooting. "
    "PrivateIPAddressInUse appears only for Private Link services and in emulators",
)
IP_MISSING = ErrorCode(
    "PrivateIPAddressMissing",
    "Private IP address is required when privateIPAllocationMethod is Static in IP configuration "
    "{ipconfig}.",
    True,
    "hashicorp/terraform-provider-azurerm#15265 (verbatim NIC PUT error)",
)
SUBNET_WITHOUT_VERSION = ErrorCode(
    "LocalCloudSubnetDoesNotHaveAddressPrefixForIpVersion",
    "IP configuration {ipconfig} requests an {version} address but subnet {subnet} has no "
    "{version} address prefix.",
    False,
    "invented; Azure's code for an IPv6 configuration in an IPv4-only subnet was not found",
)
SUBNET_FULL = ErrorCode(
    "SubnetIsFull",
    "Subnet {subnet} with address prefix {prefix} does not have enough capacity for {count} IP "
    "addresses.",
    True,
    "MicrosoftDocs/azure-docs#88211, Azure/karpenter-provider-azure#734 (verbatim errors)",
)
NIC_IN_USE = ErrorCode(
    "NicInUse",
    "Network Interface {nic} is used by existing resource {vm}. In order to delete the network "
    "interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.",
    True,
    "pulumi/pulumi-azure#441 (on VM PUT), terraform-provider-azurerm#8105 (on NIC DELETE)",
)
PUBLIC_IP_LIMIT = ErrorCode(
    "PublicIPCountLimitReached",
    "Cannot create more than {limit} public IP addresses for this subscription in this region.",
    True,
    "openshift/openshift-azure#2252, MicrosoftDocs/azure-docs#106096 (verbatim errors); the local "
    "cloud's limit is the size of its documentation address pool",
)
BASIC_PIP_RETIRED = ErrorCode(
    "IPv4BasicSkuPublicIpCountLimitReached",
    "Cannot create more than {limit} IPv4 Basic SKU public IP addresses for this subscription in "
    "this region.",
    True,
    "skypilot-org/skypilot#7977 (2025-11, verbatim), Azure/azure-quickstart-templates#14512; "
    "Basic public IPs cannot be created since 2025-03-31 and were retired 2025-09-30: new "
    "subscriptions hold a Basic quota of 0 (nickvourd/SkyFall-Pack#5, 2026-01)",
)
PIP_CANNOT_BE_DELETED = ErrorCode(
    "PublicIPAddressCannotBeDeleted",
    "Public IP address {pip} can not be deleted since it is still allocated to resource {owner}. "
    "In order to delete the public IP, disassociate/detach the Public IP address from the "
    "resource.  To learn how to do this, see aka.ms/deletepublicip.",
    True,
    "oap-project/cloudtik#158, terraform-provider-azurerm#2566",
)
LB_IN_USE = ErrorCode(
    "InUseLoadBalancerCannotBeDeleted",
    "Load balancer {lb} is in use by {ipconfig} and cannot be deleted. In order to delete the "
    "load balancer, remove the references to its backend address pools and inbound NAT rules.",
    True,
    "Microsoft support article on deleting load balancers (code); message inferred",
)

GROUP_DELETION_BLOCKED = ErrorCode(
    "ResourceGroupDeletionBlocked",
    "Deletion of resource group '{rg}' failed as resources with identifiers '{identifiers}' could "
    "not be deleted. The provisioning state of the resource group will be rolled back. The "
    "tracking Id is '{tracking}'. Please check audit logs for more details.",
    True,
    "MicrosoftDocs/azure-docs#52282 (NIC and VNet left, details per resource), "
    "Azure/bicep-registry-modules#1607, azure-dev#2497 (409)",
    status=409,
)

# --- network security groups ------------------------------------------------------------------

NSG_PRIORITY = ErrorCode(
    "SecurityRuleInvalidPriority",
    "Security rule has invalid Priority. Value provided: {value} Allowed range 100-4096.",
    True,
    "pulumi/pulumi-azure-native#2221 and Azure/azure-rest-api-specs#22874 (verbatim; a missing "
    "priority is reported as 0)",
)
NSG_CONFLICT = ErrorCode(
    "SecurityRuleConflict",
    "Security rule {first} conflicts with rule {second}. Rules cannot have the same Priority and "
    "Direction.",
    True,
    "Azure/aks-engine#2106, egen/bucc#183, grycap/im#359 (verbatim; the rule already there is "
    "named first)",
)
NSG_PORT_RANGE = ErrorCode(
    "SecurityRuleInvalidPortRange",
    "Security rule has invalid Port range. Value provided: {value}. Value should be an integer OR "
    "integer range with '-' delimiter. Valid range 0-65535.",
    True,
    "Azure/azure-cli#23499, hashicorp/terraform-provider-azurerm#1530, ernestio/ernest#475 "
    "(verbatim)",
)
NSG_ADDRESS_PREFIX = ErrorCode(
    "SecurityRuleInvalidAddressPrefix",
    "Security rule has invalid Address prefix. Value provided: {value}.",
    True,
    "public lab write-ups quoting 'Value provided: 20.20.20.20/16' (host bits set) and an unknown "
    "tag 'AzureBastionSubnet'; hashicorp/terraform-provider-azurerm#16761 (code)",
)
NSG_UNSUPPORTED_VALUE = ErrorCode(
    "SecurityRuleParameterContainsUnsupportedValue",
    "Security rule parameter {parameter} for rule with Id {rule} cannot specify existing "
    "VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: "
    "{value}.",
    True,
    "hashicorp/terraform-provider-azurerm#5617 (verbatim, for a tag and for '*' in a prefix list)",
)
NSG_PROTOCOL = ErrorCode(
    "SecurityRuleInvalidProtocol",
    "Security rule has invalid Protocol. Value provided: {value} Allowed values: "
    "Icmp,Tcp,Udp,Esp,Ah,*.",
    True,
    "Azure/azure-cli#25181 (verbatim)",
)
NSG_PARAMETERS_MISSING = ErrorCode(
    "SecurityRuleParametersMissing",
    "Required security rule parameters are missing for security rule with Id: {rule}. Security "
    "rule must specify {what}.",
    True,
    "Azure/sap-hana#135, #260 (verbatim for the source address; the destination and port "
    "variants are inferred)",
)
NSG_RULE_COUNT = ErrorCode(
    "SecurityRuleCountLimitReached",
    "A security group cannot have more than {limit} security rules.",
    True,
    "Azure/azure-rest-api-specs#3003 (verbatim, for an NSG PUT of 2000+ rules); the limit from "
    "azure-docs includes/azure-virtual-network-limits.md ('NSG rules per NSG 1,000')",
)
NSG_ACCESS = ErrorCode(
    "LocalCloudSecurityRuleInvalidAccess",
    "Security rule {rule} has invalid Access. Value provided: {value} Allowed values: Allow,Deny.",
    False,
    "invented; values from the SecurityRuleAccess enum of the REST spec",
)
NSG_DIRECTION = ErrorCode(
    "LocalCloudSecurityRuleInvalidDirection",
    "Security rule {rule} has invalid Direction. Value provided: {value} Allowed values: "
    "Inbound,Outbound.",
    False,
    "invented; values from the SecurityRuleDirection enum of the REST spec",
)
NSG_IN_USE = ErrorCode(
    "InUseNetworkSecurityGroupCannotBeDeleted",
    "Network security group {nsg} cannot be deleted because it is in use by the following "
    "resources: {users}.",
    True,
    "hashicorp/terraform-provider-azurerm issue logs and pulumi-azure-native#3051 (verbatim, one "
    "user each; several users are listed comma-separated, inferred)",
)
NSG_ON_GATEWAY_SUBNET = ErrorCode(
    "NetworkSecurityGroupCannotBeAttachedToGatewaySubnet",
    "The operation failed because the network security group {nsg} can not be associated to the "
    "GatewaySubnet. Please remove the network security group associated to the GatewaySubnet. No "
    "changes have occurred on the gateway at this time. See here for additional details: "
    "https://aka.ms/GatewaySubnet.",
    True,
    "Azure-Terraform/terraform-azurerm-virtual-network#18 (verbatim, subnet PUT)",
)

# --- NAT gateways and public IP prefixes --------------------------------------------------------

NAT_IN_USE = ErrorCode(
    "InUseNatGatewayCannotBeDeleted",
    "Nat gateway {nat} cannot be deleted because it is in use by the following resources: {users}.",
    True,
    "distilled azure error table and public teardown scripts (code); message inferred from the "
    "NSG wording",
)
NAT_TWO_VNETS = ErrorCode(
    "NatGatewayCannotBeUsedBySubnetsBelongingToDifferentVirtualNetworks",
    "NAT Gateway cannot be configured on multiple virtual networks. NAT Gateway {nat} is "
    "currently used on virtual network {used} and cannot be added to virtual network{other}.",
    True,
    "microsoft/azure_arc#3288 (verbatim, including the missing space before the second id)",
)
NAT_BASIC_PIP = ErrorCode(
    "LocalCloudNatGatewayCannotUseBasicSkuPublicIPAddress",
    "NAT gateway {nat} cannot use public IP address {pip} of sku {sku}; a NAT gateway needs "
    "Standard public IP addresses and prefixes.",
    False,
    "invented; rule from nat-overview ('Basic resources ... aren't compatible with NAT') and "
    "Azure/bicep#5914 (a Basic public IP fails the NAT gateway deployment; code not shown)",
)
NAT_IDLE_TIMEOUT = ErrorCode(
    "LocalCloudNatGatewayInvalidIdleTimeout",
    "Idle timeout {value} of NAT gateway {nat} is not valid: it must be between 4 and 120 minutes.",
    False,
    "invented; range from nat-gateway-resource (TCP idle timeout 4-120 minutes)",
)
NAT_ZONES = ErrorCode(
    "LocalCloudNatGatewayZoneNotValid",
    "NAT gateway {nat} of sku {sku} {reason}.",
    False,
    "invented; rules from nat-availability-zones (a Standard NAT gateway is zonal or has no zone; "
    "a zonal one takes public IPs of its zone or zone-redundant ones)",
)
NAT_ADDRESS_LIMIT = ErrorCode(
    "LocalCloudNatGatewayPublicIPAddressLimitReached",
    "NAT gateway {nat} cannot have more than {limit} public IP addresses (public IPs and the "
    "addresses of its prefixes); it has {count}.",
    False,
    "invented; limit from nat-sku (16 IPv4 addresses)",
)
PREFIX_IN_USE = ErrorCode(
    "LocalCloudPublicIPPrefixInUse",
    "Public IP prefix {prefix} cannot be deleted since it is still used by resource {owner}.",
    False,
    "invented; Azure's code for deleting a prefix a NAT gateway uses was not found",
)

# --- load balancer outbound rules ----------------------------------------------------------------

OUTBOUND_SNAT_NOT_DISABLED = ErrorCode(
    "LoadBalancingRuleMustDisableSNATSinceSameFrontendIPConfigurationIsReferencedByOutboundRule",
    "Load Balancing Rules {rule} must have disableOutboundSNAT set to true when same "
    "FrontendIPConfiguration {frontend} is referenced by Outbound Rules {outbound}.",
    True,
    "ansible-collections/azure#743 (verbatim up to the outbound rule ids)",
)
OUTBOUND_SAME_FRONTEND = ErrorCode(
    "MoreThanOneOutboundRuleUsingSameFrontendIPConfigurationAndProtocolIsNotSupported",
    "Is is not supported to have more than a single outbound rule using frontendIPConfiguration "
    "{frontend} with same or overlapping protocol. This frontendIPConfiguration is used by the "
    "following outbound rules: {rules}",
    True,
    "Azure/AzLoadBalancerMigration#10 (verbatim, typo included)",
)
OUTBOUND_PORTS_NOT_MULTIPLE_OF_8 = ErrorCode(
    "SpecifiedAllocatedOutboundPortsForOutboundRuleIsNotAMultipleOfEight",
    "Specified Allocated Outbound Ports {ports} for Outbound Rule {rule} is not a multiple of 8.",
    True,
    "MicrosoftDocs/azure-docs#124508 (code, load-balancer-common-deployment-errors); message "
    "inferred from the sibling codes",
)
OUTBOUND_PORTS_OVER_RULE_LIMIT = ErrorCode(
    "SpecifiedAllocatedOutboundPortsForOutboundRuleExceedsTotalNumberOfAllowedPortsPerRule",
    "Specified Allocated Outbound Ports {ports} for Outbound Rule {rule} exceeds total number of "
    "allowed ports per rule {limit}.",
    True,
    "MicrosoftDocs/azure-docs#124508 (code); message inferred; limit 64,000 from the outbound "
    "rules documentation",
)
OUTBOUND_PORTS_OVER_AVAILABLE = ErrorCode(
    "SpecifiedAllocatedOutboundPortsForOutboundRuleExceedsTotalNumberOfAvailablePorts",
    "Specified Allocated Outbound Ports {ports} for Outbound Rule {rule} exceeds total number of "
    "available ports {available}. Reduce allocated ports or increase number of IP addresses for "
    "outbound rule.",
    True,
    "a public gist of an OpenShift-on-Azure failure (verbatim); MicrosoftDocs/azure-docs#36809 "
    "(raised on a NIC PUT joining the pool)",
)
OUTBOUND_SECONDARY_IPCONFIG = ErrorCode(
    "OutboundRuleCannotBeUsedWithBackendAddressPoolThatIsReferencedBySecondaryIpConfigs",
    "Outbound rule {rule} cannot be used with backend address pool {pool} that is referenced by "
    "secondary IP configuration {ipconfig}.",
    True,
    "hashicorp/terraform-provider-azurerm#9084 (code, NIC PUT); message inferred",
)
OUTBOUND_RULE_INVALID = ErrorCode(
    "LocalCloudOutboundRuleNotValid",
    "Outbound rule {rule} is not valid: {reason}.",
    False,
    "invented; rules from the outbound rules documentation (Standard public load balancers, at "
    "least one public frontend and a backend pool)",
)
DISK_ATTACHED = ErrorCode(
    "OperationNotAllowed",
    "Disk {disk} is attached to VM {vm}.",
    True,
    "MicrosoftDocs/azure-docs AKS troubleshooting, Azure disk errors (`Status=409 "
    'Code="OperationNotAllowed" Message="Disk … is attached to VM /subscriptions/…"` on a disk '
    "DELETE); ansible/ansible#54644 (same message)",
    status=409,
)
DISK_OWNED_BY_OTHER_VM = ErrorCode(
    "ConflictingUserInput",
    "Disk '{disk}' cannot be attached as the disk is already owned by VM '{vm}'.",
    True,
    "MicrosoftDocs/azure-docs AKS troubleshooting, Azure disk errors (code and message); "
    "hortonworks/cloudbreak AzureExceptionHandlerTest (409 with that code and message)",
    status=409,
)

# --- network watchers --------------------------------------------------------------------------

NETWORK_WATCHER_COUNT = ErrorCode(
    "NetworkWatcherCountLimitReached",
    "Cannot create more than 1 network watchers for this subscription in this region.",
    True,
    "Azure/azure-cli#15796 (code and message, verbatim)",
)


ALL_CODES: tuple[ErrorCode, ...] = tuple(
    value for value in globals().values() if isinstance(value, ErrorCode)
)
