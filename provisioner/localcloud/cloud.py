"""``LocalCloud``: the Python face of the local cloud (the admin path offers the same).

One object per state file and process. Everything it controls (time scale, latency, faults,
seed) is stored in the file, so other processes using the same file obey it too.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from provisioner.localcloud.app import Engine, wsgi_app
from provisioner.localcloud.cloud_constants import (
    DEFAULT_SUBSCRIPTION,
    DEFAULT_TENANT,
    IN_PROCESS_BASE_URL,
)
from provisioner.localcloud.control import FaultRule
from provisioner.localcloud.errors import ArmError
from provisioner.localcloud.ids import Route, key
from provisioner.localcloud.requestlog import RequestRecord
from provisioner.localcloud.store import Store
from provisioner.localcloud.transport import LocalTransport
from provisioner.localcloud.wire import Request, Response, json_response

_TABLES = (
    "resources",
    "refs",
    "operations",
    "request_log",
    "faults",
    "run_history",
    "guest",
    "settings",
    "platform",
)


@dataclass(frozen=True, slots=True)
class RunCommandRecord:
    """One script a VM received: ``script`` holds its lines."""

    vm_id: str
    command_id: str
    script: list[str]
    parameters: list[dict[str, Any]]
    at: float
    kind: str  # "action" (POST runCommand) or "managed" (runCommands child resource)
    name: str
    stdout: str


class LocalCloud:
    """A fake Azure Resource Manager backed by one SQLite file."""

    DEFAULT_SUBSCRIPTION = DEFAULT_SUBSCRIPTION

    def __init__(
        self,
        state_path: str | os.PathLike[str] | None = None,
        buffered_log: bool = True,
        *,
        enforce_outbound: bool | None = None,
    ) -> None:
        """``enforce_outbound`` (stored in the state file; None keeps what it holds): a VM with
        no outbound connectivity runs its action run-command but never reports the result
        (see ``set_enforce_outbound``)."""
        self.store = Store(state_path)
        self.state_path = str(self.store.path)
        self.engine = Engine(self.store, buffered_log=buffered_log)
        self.engine.admin = self._admin
        self.base_url = IN_PROCESS_BASE_URL
        if enforce_outbound is not None:
            self.set_enforce_outbound(enforce_outbound)

    # ways in --------------------------------------------------------------------------------
    def transport(self) -> LocalTransport:
        """A fresh in-process azure-core transport (pass as ``transport=`` to any client)."""
        return LocalTransport(self.engine)

    def wsgi_app(self):
        return wsgi_app(self.engine)

    # control --------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every resource, operation, log entry, fault and setting."""
        self.engine.log.flush()
        with self.store.write() as tx:
            for table in _TABLES:
                tx.c.execute(f"DELETE FROM {table}")
            tx.set_setting("reset", "1")
        self.engine.settings.invalidate()

    def request_log(self) -> list[RequestRecord]:
        return self.engine.log.records()

    def clear_request_log(self) -> None:
        self.engine.log.clear()

    def set_time_scale(self, real_seconds_per_virtual_second: float) -> None:
        if real_seconds_per_virtual_second < 0:
            raise ValueError("time scale must be >= 0")
        self._set("time_scale", str(float(real_seconds_per_virtual_second)))

    def set_latency(self, profile: dict[str, float]) -> None:
        """Override virtual durations, keys like ``Microsoft.Compute/virtualMachines:PUT``."""
        self._set("latency", json.dumps({k: float(v) for k, v in profile.items()}))

    def set_page_size(self, size: int) -> None:
        self._set("page_size", str(int(size)))

    def set_seed(self, seed: int) -> None:
        self._set("seed", str(int(seed)))

    def set_enforce_outbound(self, on: bool) -> None:
        """Whether an action run-command on a VM without outbound connectivity (private subnet,
        no NAT gateway, outbound rule or public IP) ends as Azure's does: the script runs, the
        result never comes back, the operation fails after a long (virtual) wait. On by
        default, as Azure behaves."""
        self._set("enforce_outbound", "1" if on else "0")

    def set_basic_public_ip_quota(self, count: int) -> None:
        """How many Basic IPv4 public IPs the subscription may hold. Azure's is 0 since the
        retirement of Basic public IPs (2025-09-30), and a PUT that leaves ``sku`` out asks for
        Basic; raise it to test Basic behaviour, as a subscription that kept some quota."""
        self._set("basic_public_ip_quota", str(int(count)))

    def set_network_watcher_autocreate(self, on: bool) -> None:
        """Whether a virtual network PUT enables Network Watcher in its region (Azure's default;
        the ``DisableNetworkWatcherAutocreation`` feature turns it off)."""
        self._set("network_watcher_autocreate", "1" if on else "0")

    def add_fault(self, rule: FaultRule) -> None:
        with self.store.write() as tx:
            tx.c.execute("INSERT INTO faults (rule) VALUES (?)", (rule.to_json(),))
            tx.set_setting("faults", "changed")
        self.engine.settings.invalidate()

    def clear_faults(self) -> None:
        with self.store.write() as tx:
            tx.c.execute("DELETE FROM faults")
            tx.set_setting("faults", "changed")
        self.engine.settings.invalidate()

    def faults(self) -> list[dict[str, Any]]:
        """Fault rules with how often each matched and fired."""
        rows = self.store.conn().execute("SELECT rule, matched, fired FROM faults ORDER BY idx")
        return [{**json.loads(r), "matched": m, "fired": f} for r, m, f in rows]

    def settings(self) -> dict[str, Any]:
        s = self.engine.settings.current()
        return {
            "time_scale": s.time_scale,
            "latency": s.latency,
            "seed": s.seed,
            "page_size": s.page_size,
            "enforce_outbound": s.enforce_outbound,
            "network_watcher_autocreate": s.network_watcher_autocreate,
            "basic_public_ip_quota": s.basic_public_ip_quota,
        }

    def set_identity(
        self,
        principals: list[dict[str, str]] | None = None,
        tenant: str | None = None,
        identity_header: str | None = None,
    ) -> None:
        """Configure the local identity provider (``identity/tokens.py``).

        ``principals`` (``{"client_id", "secret"}`` and/or ``"certificate"`` PEM) makes sign-in
        strict: an unknown application or a wrong secret gets Entra ID's AADSTS error. None or
        an empty list: any client id and secret signs in. ``tenant`` is the tenant id tokens
        and subscriptions carry; ``identity_header`` what ``/msi/token`` wants (default: any).
        """
        from provisioner.localcloud.identity.tokens import IdentityConfig, Principal, set_config

        config = IdentityConfig(
            tenant=tenant or DEFAULT_TENANT,
            principals=tuple(Principal(**p) for p in principals or []),
            identity_header=identity_header,
        )
        set_config(self.store, config)
        self.engine.settings.invalidate()

    def identity(self) -> dict[str, Any]:
        """The identity provider's configuration (secrets masked)."""
        from provisioner.localcloud.identity.tokens import load_config

        return load_config(self.store).as_dict()

    def _set(self, name: str, value: str) -> None:
        with self.store.write() as tx:
            tx.set_setting(name, value)
        self.engine.settings.invalidate()

    # inspection -----------------------------------------------------------------------------
    def run_command_history(self, vm_id: str) -> list[RunCommandRecord]:
        rows = self.store.conn().execute(
            "SELECT vm_id, command_id, script, parameters, at, kind, name, stdout"
            " FROM run_history WHERE vm_key=? ORDER BY seq",
            (key(vm_id),),
        )
        return [
            RunCommandRecord(v, c, json.loads(s), json.loads(p), a, k, n, o)
            for v, c, s, p, a, k, n, o in rows
        ]

    def guest_state(self, vm_id: str) -> dict[str, Any]:
        """The simulated guest of a VM: frontend addresses, firewall openings, power."""
        from provisioner.localcloud.compute import guest_state

        return guest_state(self.store.reader(), key(vm_id))

    def resources(self, platform: bool = False) -> list[dict[str, Any]]:
        """Every stored top-level resource, resource groups included. What the platform created
        itself (the region's Network Watcher and its ``NetworkWatcherRG``) is not the user's and
        is left out unless ``platform`` is true; ARM's own listings show it, as Azure's do."""
        reader = self.store.reader()
        hidden = set() if platform else reader.platform_keys()
        return [
            json.loads(r.doc) for r in reader.all_rows() if not r.parent and r.key not in hidden
        ]

    def close(self) -> None:
        self.engine.log.flush()
        self.store.close()

    # the admin path -------------------------------------------------------------------------
    def _admin(self, req: Request, route: Route) -> Response:
        path, method = route.admin.strip("/").lower(), req.method
        body = json.loads(req.body) if req.body else {}
        if path == "reset" and method == "POST":
            self.reset()
            return Response(204)
        if path == "requests":
            if method == "DELETE":
                self.clear_request_log()
                return Response(204)
            return json_response(200, {"value": [asdict(r) for r in self.request_log()]})
        if path == "settings":
            if method in ("PUT", "PATCH", "POST"):
                if "time_scale" in body:
                    self.set_time_scale(float(body["time_scale"]))
                if "latency" in body:
                    self.set_latency(body["latency"])
                if "seed" in body:
                    self.set_seed(int(body["seed"]))
                if "page_size" in body:
                    self.set_page_size(int(body["page_size"]))
                if "enforce_outbound" in body:
                    self.set_enforce_outbound(bool(body["enforce_outbound"]))
                if "basic_public_ip_quota" in body:
                    self.set_basic_public_ip_quota(int(body["basic_public_ip_quota"]))
                if "network_watcher_autocreate" in body:
                    self.set_network_watcher_autocreate(bool(body["network_watcher_autocreate"]))
            return json_response(200, self.settings())
        if path == "faults":
            if method == "POST":
                try:
                    self.add_fault(FaultRule.from_dict(body))
                except (TypeError, ValueError) as exc:
                    raise ArmError(400, "InvalidFault", str(exc)) from exc
            elif method == "DELETE":
                self.clear_faults()
                return Response(204)
            return json_response(200, {"value": self.faults()})
        if path == "resources":
            platform = req.query.get("platform", "").lower() == "true"
            return json_response(200, {"value": self.resources(platform)})
        if path == "identity":
            if method in ("PUT", "POST"):
                try:
                    self.set_identity(
                        body.get("principals"), body.get("tenant"), body.get("identity_header")
                    )
                except TypeError as exc:
                    raise ArmError(400, "InvalidIdentity", str(exc)) from exc
            return json_response(200, self.identity())
        if path in ("run-commands", "guest"):
            vm_id = req.query.get("vm_id", "")
            if path == "guest":
                return json_response(200, self.guest_state(vm_id))
            return json_response(
                200, {"value": [asdict(r) for r in self.run_command_history(vm_id)]}
            )
        raise ArmError(404, "NotFound", f"No admin operation {method} /_local/{route.admin}.")
