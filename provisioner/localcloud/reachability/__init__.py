"""What decides whether traffic flows: NSG evaluation, flow verification, probe health, outbound.

Served through Azure's own APIs, so client code that asks Azure the same questions works here:

- ``POST …/networkInterfaces/{nic}/effectiveNetworkSecurityGroups`` (``api.effective_groups``),
- ``POST …/networkWatchers/{nw}/ipFlowVerify`` (``api.ip_flow_verify``),
- ``POST …/loadBalancers/{lb}/loadBalancingRules/{rule}/health`` (``api.rule_health``).

One evaluation (``security.py``: rules in priority order, service tags, prefixes, ports,
protocol, the subnet's NSG then the NIC's for inbound, Standard's secure-by-default when no NSG
applies) answers all three; ``tags.py`` says what the default service tags stand for,
``outbound.py`` whether a VM can reach the internet (run-command needs it), ``watchers.py``
holds the region's Network Watcher Azure creates with the first virtual network.
"""
