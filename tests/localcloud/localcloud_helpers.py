"""Helpers: fake credential and the real SDK clients pointed at a local cloud."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from azure.core.credentials import AccessToken
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from provisioner.localcloud import LocalCloud

SUB = LocalCloud.DEFAULT_SUBSCRIPTION


class FakeCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("fake", int(time.time()) + 10 * 365 * 86400)


class AllowHttp(SansIOHTTPPolicy):
    """Plain-http loopback: let the bearer policy through (see sdk-local.md §1a)."""

    def on_request(self, request):  # type: ignore[no-untyped-def]
        request.context["enforce_https"] = False


@dataclass
class Clients:
    cloud: LocalCloud
    network: NetworkManagementClient
    compute: ComputeManagementClient
    resource: ResourceManagementClient
    mode: str
    sleeps: list[float]


def make_clients(cloud: LocalCloud, mode: str, server=None, **extra: Any) -> Clients:
    cred = FakeCredential()
    kwargs: dict[str, Any] = {"polling_interval": 0, **extra}
    sleeps: list[float] = []
    if mode == "inprocess":
        transports = [cloud.transport() for _ in range(3)]
        sleeps_src = transports
        base = cloud.base_url
        per = [{"transport": t} for t in transports]
    else:
        base = server.url
        sleeps_src = []
        common: dict[str, Any] = {}
        if mode == "http":
            common["per_call_policies"] = [AllowHttp()]
        else:
            common["connection_verify"] = server.ca_path
        per = [dict(common) for _ in range(3)]
    nc = NetworkManagementClient(cred, SUB, base_url=base, **kwargs, **per[0])
    cc = ComputeManagementClient(cred, SUB, base_url=base, **kwargs, **per[1])
    rc = ResourceManagementClient(cred, SUB, base_url=base, **kwargs, **per[2])
    if sleeps_src:
        sleeps = sleeps_src[0].sleeps
    return Clients(cloud, nc, cc, rc, mode, sleeps)
