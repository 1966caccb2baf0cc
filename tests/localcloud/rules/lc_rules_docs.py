"""Hand-built ARM documents (shaped as Azure returns them) and a dict-backed Lookup."""

from __future__ import annotations

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
NET = f"{SUB}/resourceGroups/rg/providers/Microsoft.Network"
COMPUTE = f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute"

_CHILD_LISTS = (
    "subnets",
    "frontendIPConfigurations",
    "backendAddressPools",
    "probes",
    "loadBalancingRules",
    "inboundNatRules",
    "outboundRules",
    "ipConfigurations",
)


class Store:
    """A tiny Lookup over a dict of documents, resolving child ids inside their parents."""

    def __init__(self, *docs: dict):
        self.docs: dict[str, dict] = {}
        for doc in docs:
            self.add(doc)

    def add(self, doc: dict) -> Store:
        self.docs[doc["id"].lower()] = doc
        return self

    def get(self, resource_id: str) -> dict | None:
        wanted = resource_id.lower()
        if wanted in self.docs:
            return self.docs[wanted]
        parts = wanted.split("/")
        parent = self.docs.get("/".join(parts[:-2]))
        if parent is None:
            return None
        for list_name in _CHILD_LISTS:
            for child in parent.get("properties", {}).get(list_name, []):
                if child.get("id", "").lower() == wanted:
                    return child
        return None

    def of_type(self, arm_type: str) -> list[dict]:
        return [d for d in self.docs.values() if d["type"].lower() == arm_type.lower()]

    def count(self, arm_type: str) -> int:
        return len(self.of_type(arm_type))


def vnet(name="vnet", space=("10.0.0.0/16",), subnets=None) -> dict:
    subnets = {"fe": "10.0.1.0/24", "be": "10.0.2.0/24"} if subnets is None else subnets
    vid = f"{NET}/virtualNetworks/{name}"
    return {
        "id": vid,
        "name": name,
        "type": "Microsoft.Network/virtualNetworks",
        "location": "westeurope",
        "properties": {
            "addressSpace": {"addressPrefixes": list(space)},
            "subnets": [
                {
                    "id": f"{vid}/subnets/{sname}",
                    "name": sname,
                    "properties": (
                        {"addressPrefix": prefix}
                        if isinstance(prefix, str)
                        else {"addressPrefixes": list(prefix)}
                    ),
                }
                for sname, prefix in subnets.items()
            ],
        },
    }


def subnet_id(name="be", vnet_name="vnet") -> str:
    return f"{NET}/virtualNetworks/{vnet_name}/subnets/{name}"


def pip(name="pip1", sku="Standard", method="Static", version="IPv4") -> dict:
    return {
        "id": f"{NET}/publicIPAddresses/{name}",
        "name": name,
        "type": "Microsoft.Network/publicIPAddresses",
        "location": "westeurope",
        "sku": {"name": sku, "tier": "Regional"},
        "properties": {"publicIPAllocationMethod": method, "publicIPAddressVersion": version},
    }


def lb_id(lb="lb") -> str:
    return f"{NET}/loadBalancers/{lb}"


def child(lb: str, kind: str, name: str) -> str:
    return f"{lb_id(lb)}/{kind}/{name}"


def frontend(lb="lb", name="fe1", *, pip_name=None, subnet="fe", ip=None, static=False, v6=False):
    props: dict = {}
    if pip_name:
        props["publicIPAddress"] = {"id": f"{NET}/publicIPAddresses/{pip_name}"}
    elif subnet:
        props["subnet"] = {"id": subnet_id(subnet)}
        props["privateIPAddress"] = ip or "10.0.1.4"
        props["privateIPAllocationMethod"] = "Static" if static else "Dynamic"
        props["privateIPAddressVersion"] = "IPv6" if v6 else "IPv4"
    return {"id": child(lb, "frontendIPConfigurations", name), "name": name, "properties": props}


def rule(
    lb="lb",
    name="r1",
    *,
    fe="fe1",
    pool="pool1",
    proto="Tcp",
    fp=80,
    bp=80,
    floating=False,
    probe=None,
    **extra,
):
    props = {
        "frontendIPConfiguration": {"id": child(lb, "frontendIPConfigurations", fe)},
        "backendAddressPool": {"id": child(lb, "backendAddressPools", pool)},
        "protocol": proto,
        "frontendPort": fp,
        "backendPort": bp,
        "enableFloatingIP": floating,
        "idleTimeoutInMinutes": 4,
        **extra,
    }
    if probe:
        props["probe"] = {"id": child(lb, "probes", probe)}
    return {"id": child(lb, "loadBalancingRules", name), "name": name, "properties": props}


def nat(lb="lb", name="nat1", *, fe="fe1", proto="Tcp", fp=50001, bp=3389, floating=False, **extra):
    props = {
        "frontendIPConfiguration": {"id": child(lb, "frontendIPConfigurations", fe)},
        "protocol": proto,
        "frontendPort": fp,
        "backendPort": bp,
        "enableFloatingIP": floating,
        **extra,
    }
    return {"id": child(lb, "inboundNatRules", name), "name": name, "properties": props}


def lb(
    name="lb", *, sku="Standard", frontends=None, pools=("pool1",), probes=(), rules=(), nats=()
):
    frontends = [frontend(name)] if frontends is None else frontends
    return {
        "id": lb_id(name),
        "name": name,
        "type": "Microsoft.Network/loadBalancers",
        "location": "westeurope",
        "sku": {"name": sku, "tier": "Regional"},
        "properties": {
            "frontendIPConfigurations": list(frontends),
            "backendAddressPools": [
                {"id": child(name, "backendAddressPools", p), "name": p, "properties": {}}
                for p in pools
            ],
            "probes": [
                {
                    "id": child(name, "probes", p),
                    "name": p,
                    "properties": {"protocol": "Tcp", "port": 22},
                }
                for p in probes
            ],
            "loadBalancingRules": list(rules),
            "inboundNatRules": list(nats),
        },
    }


def ipconfig(
    nic="nic1",
    name="ipconfig1",
    *,
    subnet="be",
    pools=(),
    nats=(),
    primary=True,
    ip=None,
    static=False,
    pip_name=None,
    v6=False,
):
    props: dict = {
        "subnet": {"id": subnet_id(subnet)},
        "primary": primary,
        "privateIPAddress": ip or "10.0.2.4",
        "privateIPAllocationMethod": "Static" if static else "Dynamic",
        "privateIPAddressVersion": "IPv6" if v6 else "IPv4",
        "loadBalancerBackendAddressPools": [{"id": p} for p in pools],
        "loadBalancerInboundNatRules": [{"id": n} for n in nats],
    }
    if pip_name:
        props["publicIPAddress"] = {"id": f"{NET}/publicIPAddresses/{pip_name}"}
    return {
        "id": f"{NET}/networkInterfaces/{nic}/ipConfigurations/{name}",
        "name": name,
        "properties": props,
    }


def nic(name="nic1", ipconfigs=None, vm=None) -> dict:
    ipconfigs = [ipconfig(name)] if ipconfigs is None else ipconfigs
    props: dict = {"ipConfigurations": list(ipconfigs)}
    if vm:
        props["virtualMachine"] = {"id": f"{COMPUTE}/virtualMachines/{vm}"}
    return {
        "id": f"{NET}/networkInterfaces/{name}",
        "name": name,
        "type": "Microsoft.Network/networkInterfaces",
        "location": "westeurope",
        "properties": props,
    }


def with_users(vnet_doc: dict, *holders: dict) -> dict:
    """The VNet as Azure shows it once ``holders`` (NICs, LBs) sit in its subnets: each subnet
    lists the IP configurations in it (``ipConfigurations``)."""
    for subnet in vnet_doc["properties"]["subnets"]:
        users = [
            {"id": conf["id"]}
            for doc in holders
            for coll in ("ipConfigurations", "frontendIPConfigurations")
            for conf in doc["properties"].get(coll, [])
            if conf["properties"].get("subnet", {}).get("id", "").lower() == subnet["id"].lower()
        ]
        subnet["properties"]["ipConfigurations"] = users
    return vnet_doc


def nic_id(name="nic1") -> str:
    return f"{NET}/networkInterfaces/{name}"


def vm(name="vm1", nics=("nic1",)) -> dict:
    return {
        "id": f"{COMPUTE}/virtualMachines/{name}",
        "name": name,
        "type": "Microsoft.Compute/virtualMachines",
        "location": "westeurope",
        "properties": {"networkProfile": {"networkInterfaces": [{"id": nic_id(n)} for n in nics]}},
    }
