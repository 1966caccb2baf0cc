"""Local cloud throughput with the real SDK: GET/s and PUT-with-LRO/s, SQLite in the loop.

Prints one line per way in (in-process transport, HTTP, HTTPS). Goals on a 2-core box:
>= 1,500 GET/s in-process, >= 500 GET/s over HTTP.

    python bench/localcloud_throughput.py [--gets 2000] [--puts 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from provisioner.localcloud import LocalCloud, serve  # noqa: E402

SUB = LocalCloud.DEFAULT_SUBSCRIPTION


class _Cred:
    def get_token(self, *scopes: str, **kw: Any) -> AccessToken:
        return AccessToken("fake", int(time.time()) + 86400)


class _AllowHttp(SansIOHTTPPolicy):
    def on_request(self, request):  # type: ignore[no-untyped-def]
        request.context["enforce_https"] = False


def _clients(base: str, **kw: Any) -> tuple[NetworkManagementClient, ResourceManagementClient]:
    return (
        NetworkManagementClient(_Cred(), SUB, base_url=base, polling_interval=0, **kw),
        ResourceManagementClient(_Cred(), SUB, base_url=base, polling_interval=0, **kw),
    )


def measure(
    net: NetworkManagementClient, res: ResourceManagementClient, gets: int, puts: int
) -> tuple[float, float]:
    res.resource_groups.create_or_update("bench", {"location": "westeurope"})
    body = {
        "location": "westeurope",
        "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"},
    }
    net.public_ip_addresses.begin_create_or_update("bench", "pip", body).result()
    for _ in range(50):  # warm-up
        net.public_ip_addresses.get("bench", "pip")
    t0 = time.perf_counter()
    for _ in range(gets):
        net.public_ip_addresses.get("bench", "pip")
    get_rate = gets / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for i in range(puts):
        net.public_ip_addresses.begin_create_or_update("bench", f"p{i % 20}", body).result()
    put_rate = puts / (time.perf_counter() - t0)
    return get_rate, put_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gets", type=int, default=2000)
    parser.add_argument("--puts", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lc-bench-"))
    print(f"{'way in':<12} {'SDK GET/s':>10} {'PUT+LRO/s':>10}")
    cloud = LocalCloud(tmp / "inproc.sqlite")
    g, p = measure(*_clients(cloud.base_url, transport=cloud.transport()), args.gets, args.puts)
    print(f"{'in-process':<12} {g:>10.0f} {p:>10.0f}")
    with serve(tmp / "http.sqlite") as server:
        g, p = measure(
            *_clients(server.url, per_call_policies=[_AllowHttp()]), args.gets, args.puts
        )
        print(f"{'http':<12} {g:>10.0f} {p:>10.0f}")
    with serve(tmp / "https.sqlite", tls=True, ca_path=tmp / "ca.pem") as server:
        g, p = measure(
            *_clients(server.url, connection_verify=server.ca_path), args.gets, args.puts
        )
        print(f"{'https':<12} {g:>10.0f} {p:>10.0f}")


if __name__ == "__main__":
    main()
