"""The local cloud: a fake Azure Resource Manager that the real Azure SDK clients talk to.

It imports nothing from the rest of provisioner. Start it in-process::

    cloud = LocalCloud(".provision/localcloud.sqlite")
    NetworkManagementClient(cred, cloud.DEFAULT_SUBSCRIPTION, base_url=cloud.base_url,
                            transport=cloud.transport(), polling_interval=0)

or as a server with :func:`serve`. See docs/local-cloud.md.
"""

from __future__ import annotations

import os

from provisioner.localcloud.cloud import LocalCloud, RunCommandRecord
from provisioner.localcloud.cloud_constants import DEFAULT_SUBSCRIPTION
from provisioner.localcloud.control import DEFAULT_LATENCY, FAULT_KINDS, FaultRule
from provisioner.localcloud.errors import ArmError
from provisioner.localcloud.requestlog import RequestRecord
from provisioner.localcloud.server import Server
from provisioner.localcloud.transport import LocalTransport


def serve(
    state_path: str | os.PathLike[str] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: bool = False,
    ca_path: str | os.PathLike[str] | None = None,
) -> Server:
    """Start an HTTP(S) server in a background thread; ``.url``, ``.ca_path``, ``.shutdown()``.

    The request log is written through (not buffered) so that the admin path and other
    processes see every request at once.
    """
    cloud = LocalCloud(state_path, buffered_log=False)
    server = Server(cloud.engine, host=host, port=port, tls=tls, ca_path=ca_path)
    server.cloud = cloud  # type: ignore[attr-defined]
    return server.start()


__all__ = [
    "DEFAULT_LATENCY",
    "DEFAULT_SUBSCRIPTION",
    "FAULT_KINDS",
    "ArmError",
    "FaultRule",
    "LocalCloud",
    "LocalTransport",
    "RequestRecord",
    "RunCommandRecord",
    "Server",
    "serve",
]
