"""Fixtures: a local cloud per test and the real, unmodified Azure SDK clients pointed at it,
either in-process (no sockets) or over HTTP / HTTPS on loopback."""

from __future__ import annotations

import pytest
from localcloud_helpers import Clients, make_clients

from provisioner.localcloud import LocalCloud, serve


@pytest.fixture
def cloud(tmp_path) -> LocalCloud:
    """Outbound is not enforced here: these tests build bare VMs to test other things (the
    outbound tests turn it on, and check it is on by default)."""
    c = LocalCloud(tmp_path / "state.sqlite", enforce_outbound=False)
    yield c
    c.close()


@pytest.fixture
def clients(cloud: LocalCloud) -> Clients:
    """In-process clients (the fast default)."""
    return make_clients(cloud, "inprocess")


@pytest.fixture(params=["inprocess", "http", "https"])
def any_clients(request, tmp_path) -> Clients:
    """The same clients through each way in: in-process transport, HTTP and HTTPS."""
    mode = request.param
    if mode == "inprocess":
        c = LocalCloud(tmp_path / "state.sqlite", enforce_outbound=False)
        yield make_clients(c, mode)
        c.close()
        return
    server = serve(
        tmp_path / "state.sqlite",
        tls=mode == "https",
        ca_path=tmp_path / "ca.pem" if mode == "https" else None,
    )
    server.cloud.set_enforce_outbound(False)
    try:
        yield make_clients(server.cloud, mode, server)
    finally:
        server.shutdown()
