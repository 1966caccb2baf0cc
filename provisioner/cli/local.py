"""`provision local serve|reset`: run the bundled local cloud, or wipe its state."""

from __future__ import annotations

import shlex
import signal
import sys
import threading
from pathlib import Path

import typer

from provisioner.cli.common import fail
from provisioner.errors import UserInputError

local_app = typer.Typer(
    name="local",
    help="The bundled local cloud: a fake Azure Resource Manager for offline use and tests.",
    no_args_is_help=True,
)

_STATE_HELP = "SQLite state file (default: .provision/localcloud.sqlite)."


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or str(exc)
    if "not a database" in reason:
        reason += " (it was left untouched; move it away, or pass another --state)"
    return reason


def _check_state(state: Path | None) -> None:
    """A directory or a file in a missing place is bad input (exit 2), not a traceback."""
    from provisioner.arm.target import DEFAULT_STATE

    path = state or DEFAULT_STATE
    if path.is_dir():
        fail(UserInputError(f"local cloud state {str(path)!r} is a directory; give a file"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(UserInputError(f"local cloud state {str(path)!r} cannot be used: {_reason(exc)}"))


@local_app.command("serve")
def serve_cmd(
    port: int = typer.Option(
        0, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0 = any free port)."
    ),
    state: Path | None = typer.Option(None, "--state", help=_STATE_HELP),
    tls: bool = typer.Option(False, "--tls", help="Serve HTTPS with a throw-away CA."),
    ca_path: Path | None = typer.Option(
        None, "--ca-path", help="Where to write the CA certificate (with --tls)."
    ),
    time_scale: float | None = typer.Option(
        None, "--time-scale", min=0.0, help="Real seconds per virtual second (0 = instant)."
    ),
) -> None:
    """Serve the local cloud on loopback until interrupted."""
    import sqlite3

    from provisioner.localcloud import serve

    if ca_path is None and tls:
        ca_path = (state.parent if state else Path(".provision")) / "localcloud-ca.pem"
    _check_state(state)
    try:
        server = serve(state, port=port, tls=tls, ca_path=ca_path)
    except (OSError, sqlite3.DatabaseError) as exc:
        fail(UserInputError(f"local cloud cannot start on 127.0.0.1:{port}: {_reason(exc)}"))
    if time_scale is not None:
        server.cloud.set_time_scale(time_scale)
    typer.echo(f"local cloud listening on {server.url}")
    typer.echo(f"state: {server.cloud.state_path}")
    if server.ca_path:
        typer.echo(f"CA certificate: {server.ca_path}  (pass connection_verify=<this file>)")
        identity = server.cloud.identity()
        if identity["principals"]:
            typer.echo(
                "sign-in is strict: use a configured service principal (`PUT /_local/identity`)"
            )
        for line in client_recipes(server.url, str(server.ca_path), identity, server.cloud):
            typer.echo(line)
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


def client_recipes(url: str, ca: str, identity: dict, cloud: object) -> list[str]:
    """What to paste to point provisioner, az CLI and Ansible at this server (the recipes of
    docs/local-cloud.md with its own URL, CA and tenant filled in); az and Ansible need HTTPS.
    The client id ``app`` and secret ``secret`` stand for any pair, unless sign-in is strict."""
    sub = cloud.DEFAULT_SUBSCRIPTION  # type: ignore[attr-defined]
    tenant = identity["tenant"]
    who = "a configured principal" if identity["principals"] else "any client id and secret"
    q = shlex.quote
    metadata = f"{url}/metadata/endpoints?api-version=2019-05-01"
    return [
        f"point clients at it (docs/local-cloud.md, Real Azure clients; {who}):",
        f"  provision: export AZURE_TENANT_ID={tenant} AZURE_CLIENT_ID=app "
        f"AZURE_CLIENT_SECRET=secret; provision up BLUEPRINT --arm-endpoint {url} "
        f"--ca-bundle {q(ca)}",
        f"  az:      export REQUESTS_CA_BUNDLE={q(ca)}; az cloud register -n LocalCloud "
        f"--endpoint-resource-manager {url}/ && az cloud set -n LocalCloud && "
        f"az login --service-principal -u app -p secret --tenant {tenant}",
        f"  Ansible: export REQUESTS_CA_BUNDLE={q(ca)} ARM_CLOUD_METADATA_URL={q(metadata)} "
        f"AZURE_CLOUD_ENVIRONMENT={url} AZURE_DISABLE_INSTANCE_DISCOVERY=true "
        f"AZURE_CLIENT_ID=app AZURE_SECRET=secret AZURE_TENANT={tenant} "
        f"AZURE_SUBSCRIPTION_ID={sub}",
    ]


@local_app.command("reset")
def reset_cmd(state: Path | None = typer.Option(None, "--state", help=_STATE_HELP)) -> None:
    """Forget every resource, operation, log entry, fault and setting of the local cloud."""
    import sqlite3

    from provisioner.arm.target import DEFAULT_STATE
    from provisioner.localcloud import LocalCloud

    _check_state(state)
    try:
        cloud = LocalCloud(state)
    except (OSError, sqlite3.DatabaseError) as exc:
        where = state or DEFAULT_STATE
        fail(UserInputError(f"local cloud state {str(where)!r} cannot be opened: {_reason(exc)}"))
    cloud.reset()
    typer.echo(f"local cloud reset: {cloud.state_path}")
    cloud.close()


def register(app: typer.Typer) -> None:
    """Add the ``local`` command group to ``app``."""
    app.add_typer(local_app, name="local")
