"""What every command does before and around its one core call.

The shared options; the checks that make bad input exit 2 before any cloud call (environment
names, subscription ids, durations, ``--now``, a ``--state`` file that is no database); the target
line, the first line on stderr, naming the cloud and the environment so that nobody applies to
the wrong one by accident; ``guarded`` (Ctrl-C exits 130 in one line, a failed Azure sign-in is
one clear error); usage errors as one JSON document under ``--output json``; the confirmation.

Only the standard library, typer and rich are imported here: ``provision --help`` loads every
command module, and the SDK is loaded by the commands that call a cloud, when they do.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

try:  # typer >= 0.22 carries its own copy of click
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - older typer on the real click
    from click.exceptions import UsageError  # type: ignore[assignment]

from provisioner.cli.common import OutputFormat, emit_json, err_console, fail, render_finding
from provisioner.cli.completion import complete_env
from provisioner.compile.tags import is_env_name
from provisioner.errors import BlueprintInvalid, ProvisionerError, UserInputError

if TYPE_CHECKING:
    from provisioner.apply.lifecycle import Loaded
    from provisioner.arm.target import Target
    from provisioner.compile.desired import DesiredState

CloudOpt = typer.Option(
    None,
    "--cloud",
    help="local, azure, AzureChinaCloud, AzureUSGovernment or an ARM endpoint URL "
    "(default: azure iff a subscription)",
)
ArmEndpointOpt = typer.Option(
    None,
    "--arm-endpoint",
    envvar="PROVISION_ARM_ENDPOINT",
    help="Any ARM endpoint (a served local cloud, Azure Stack Hub); read its /metadata/endpoints",
    show_default=False,
)
CaBundleOpt = typer.Option(
    None,
    "--ca-bundle",
    envvar="PROVISION_CA_BUNDLE",
    help="CA certificates (PEM) to verify the cloud's HTTPS with",
    show_default=False,
)
SubscriptionOpt = typer.Option(
    None, "--subscription", help="Azure subscription id (or AZURE_SUBSCRIPTION_ID)"
)
StateOpt = typer.Option(
    None, "--state", help="Local cloud state file (or PROVISION_LOCAL_STATE)", show_default=False
)
OutputOpt = typer.Option(OutputFormat.text, "--output", "-o", help="text or json")
EnvOpt = typer.Option(
    None,
    "--env",
    help="Environment name (default: the blueprint's name)",
    autocompletion=complete_env,
)
#: Tests inject "now" through it; users ask "what will tonight's job take?"
NowOpt = Annotated[
    str | None,
    typer.Option("--now", help="Judge expiry as of this ISO 8601 UTC time (default: the clock)"),
]


SUBSCRIPTION_PATTERN = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class Interrupted(ProvisionerError):
    """Ctrl-C: what was started may be half done; the next ``up`` or ``down`` converges."""

    exit_code = 130


# --- input checks: exit 2, before any cloud call ---------------------------------------------


def check_env(env: str | None, option: str = "--env") -> None:
    """Exit 2 for a name that cannot be part of resource names and tags."""
    if env is None or is_env_name(env):
        return
    raise UserInputError(
        f"{option} {env!r} is not a valid environment name: use 1-40 lowercase letters, digits "
        "and '-', starting with a letter or digit (it becomes part of every resource name)"
    )


def check_subscription(subscription: str | None) -> None:
    """A subscription id (given or from the environment) must be a GUID: exit 2 before sign-in."""
    from provisioner.arm.target import SUBSCRIPTION_ENV

    given = subscription or os.environ.get(SUBSCRIPTION_ENV) or None
    if given is None or SUBSCRIPTION_PATTERN.fullmatch(given):
        return
    where = "--subscription" if subscription else f"${SUBSCRIPTION_ENV}"
    raise UserInputError(
        f"{where} {given!r} is not a subscription id "
        "(a GUID like 00000000-0000-0000-0000-000000000000)"
    )


def check_duration(value: str, option: str, now: datetime | None = None) -> timedelta:
    """Parse ``30m``/``4h``/``2d`` and make sure ``now`` ± it is a date (exit 2 otherwise)."""
    from provisioner.apply.durations import parse_duration

    delta = parse_duration(value, option)
    moment = now or datetime.now(UTC)
    try:
        moment + delta
        moment - delta
    except OverflowError:
        raise UserInputError(
            f"{option} {value!r} is too long: the date would be past the year 9999"
        ) from None
    return delta


TagOpt = typer.Option(
    [], "--tag", help="Put tag NAME=VALUE on every resource (repeatable; over the blueprint's tags)"
)


def parse_tags(values: list[str] | None) -> dict[str, str]:
    """``--tag k=v`` options as a mapping; exit 2 for anything Azure would not take as a tag."""
    from provisioner.blueprint.user_tags import tags_problem

    tags: dict[str, str] = {}
    for value in values or []:
        name, sep, tag_value = value.partition("=")
        if not sep or not name.strip():
            raise UserInputError(f"--tag {value!r}: write NAME=VALUE")
        tags[name.strip()] = tag_value
    problem = tags_problem(tags)
    if problem:
        raise UserInputError(f"--tag: {problem}")
    return tags


def parse_now(value: str | None) -> datetime:
    """``--now``: an ISO 8601 timestamp, or the clock when it is not given."""
    from provisioner.envs.ttl import parse_timestamp, utc_now

    if value is None:
        return utc_now()
    moment = parse_timestamp(value)
    if moment is None:
        raise UserInputError(f"--now {value!r} is not an ISO 8601 timestamp")
    return moment


# --- the target --------------------------------------------------------------------------------


def open_cli_target(
    cloud: str | None, subscription: str | None, state: Any, ca_bundle: Any = None
) -> Target:
    """:func:`open_target` with an unusable ``--state`` file reported as bad input (exit 2)."""
    import logging
    import sqlite3

    from provisioner.arm.target import open_target, resolve_cloud, state_path

    check_subscription(subscription)
    kind, _ = resolve_cloud(cloud, subscription)
    if kind != "local":
        # DefaultAzureCredential logs every credential it tried as a multi-line warning; the
        # failure is reported once, in one line, by ``guarded``.
        logging.getLogger("azure.identity").addHandler(logging.NullHandler())
        logging.getLogger("azure.identity").propagate = False
        return open_target(cloud, subscription, state, ca_bundle=ca_bundle)
    path = state_path(state)
    if path.is_dir():
        raise UserInputError(
            f"local cloud state {str(path)!r} is a directory; "
            "give a file (--state DIR/cloud.sqlite)"
        )
    try:
        return open_target(cloud, subscription, state)
    except sqlite3.DatabaseError as exc:  # also OperationalError "unable to open database file"
        reason = str(exc)
        if "not a database" in reason:
            reason += "; it was left untouched (move it away, or pass another --state)"
        raise UserInputError(f"local cloud state {str(path)!r} cannot be used: {reason}") from None
    except OSError as exc:
        raise UserInputError(
            f"local cloud state {str(path)!r} cannot be used: {exc.strerror or exc}"
        ) from None


def cli_target(
    cloud: str | None,
    subscription: str | None,
    state: Path | None,
    output: OutputFormat,
    ca_bundle: Path | None = None,
) -> Target:
    """:func:`open_cli_target`, a user error reported once (with its exit code)."""
    try:
        return open_cli_target(cloud, subscription, state, ca_bundle)
    except ProvisionerError as exc:
        fail(exc, output)


def target_line(
    cloud: str | None,
    subscription: str | None,
    state: Any,
    output: OutputFormat,
    env: str | None = None,
) -> None:
    """The first line on stderr: the target (and environment), before anything is checked."""
    from provisioner.arm.target import target_label

    try:
        label = target_label(cloud, subscription, state)
    except ProvisionerError as exc:
        fail(exc, output)
    shown = env if env is None or is_env_name(env) else repr(env)
    err_console.print(
        f"target: {label}" + (f" · env: {shown}" if shown else ""), markup=False, soft_wrap=True
    )


# --- the start of every blueprint command ------------------------------------------------------


def start(
    blueprint: Path | None,
    env: str | None,
    output: OutputFormat,
    cloud: str | None,
    subscription: str | None,
    state: Path | None,
) -> tuple[Loaded | None, str | None]:
    """Name the target on the first line, then load and validate (exit 2, no cloud call)."""
    from provisioner.apply.lifecycle import load_and_validate

    loaded, problem = None, None
    try:
        check_env(env)
        check_subscription(subscription)
    except UserInputError as exc:
        problem = exc
    if blueprint is not None and problem is None:
        try:
            loaded = load_and_validate(blueprint)
            _check_default_ttl(loaded)
        except ProvisionerError as exc:
            problem, loaded = exc, None
    if env is None and blueprint is not None:
        env = loaded.blueprint.name if loaded is not None else blueprint.stem
    target_line(cloud, subscription, state, output, env)
    if problem is not None:
        fail(problem, output)  # a finding without a line still names its file
    for warning in loaded.warnings if loaded is not None else []:
        render_finding(warning)
    return loaded, env


def _check_default_ttl(loaded: Loaded) -> None:
    """``defaults.ttl: 3000000d`` passes the grammar but is past the year 9999: exit 2 here."""
    from provisioner.errors import Finding

    ttl = getattr(getattr(loaded.blueprint, "defaults", None), "ttl", None)
    if not ttl:
        return
    try:
        check_duration(ttl, "defaults.ttl")
    except UserInputError as exc:
        path = ("defaults", "ttl")
        finding = Finding("InvalidValue", str(exc), path, location=loaded.locate(path))
        raise BlueprintInvalid(loaded.path, [finding]) from None


def open_desired(
    blueprint: Path,
    env: str | None,
    output: OutputFormat,
    cloud: str | None,
    subscription: str | None,
    state: Path | None,
) -> tuple[Target, DesiredState, str]:
    """:func:`start`, connect and compile: (target, desired state, env) for ``guest``/``verify``."""
    from provisioner.apply.lifecycle import desired_state

    loaded, env = start(blueprint, env, output, cloud, subscription, state)
    assert loaded is not None and env is not None  # a blueprint is given
    target = cli_target(cloud, subscription, state, output)
    try:
        desired = desired_state(target, loaded, env)
    except ProvisionerError as exc:
        target.close()
        fail(exc, output)
    return target, desired, env


def confirm(question: str, yes: bool, *, destructive: bool = True) -> None:
    """Ask on a terminal. Without one, a destructive command needs --yes; ``up`` proceeds (CI)."""
    if yes:
        return
    if not sys.stdin.isatty():
        if not destructive:
            return
        raise UserInputError(f"{question} Refusing without a terminal: pass --yes")
    if not typer.confirm(question, default=False, err=True):
        err_console.print("cancelled")
        raise typer.Exit(0)


# --- around every command: Ctrl-C, sign-in failures, usage errors in JSON mode ---------------


def _exit_now(code: int) -> None:
    """Leave at once: worker threads still waiting on Azure must not hold the exit (tests patch)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _busy_threads() -> bool:
    main = threading.main_thread()
    return any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate())


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command: Ctrl-C exits 130 with one line; a failed Azure sign-in is a clear error."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        output = kwargs.get("output", OutputFormat.text)
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            message = (
                "interrupted: operations already sent may finish or be half done; "
                "run the command again to converge (or `provision down`)"
            )
            busy = _busy_threads()
            try:
                fail(Interrupted(message), output)
            except SystemExit:
                if busy:
                    _exit_now(Interrupted.exit_code)
                raise
        except Exception as exc:
            from azure.core.exceptions import ClientAuthenticationError

            if not isinstance(exc, ClientAuthenticationError):
                raise
            first = (str(exc.message or exc).strip().splitlines() or ["no detail"])[0]
            fail(
                UserInputError(
                    f"cannot sign in to Azure: {first} "
                    "(run `az login`, or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)"
                ),
                output,
            )

    return wrapper


def _wants_json(args: list[str]) -> bool:
    for i, arg in enumerate(args):
        if arg in ("--output", "-o") and i + 1 < len(args) and args[i + 1] == "json":
            return True
        if arg in ("--output=json", "-ojson", "-o=json"):
            return True
    return False


class CliCommand(TyperCommand):
    """A typer command whose usage errors also give one JSON document with ``--output json``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        wants_json = _wants_json(list(args))
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            if wants_json:
                emit_json({"ok": False, "error": exc.format_message()})
            raise


def add_command(app: typer.Typer, func: Callable[..., Any], name: str | None = None) -> None:
    """Register ``func`` guarded, with JSON-aware usage errors."""
    app.command(name, cls=CliCommand)(guarded(func))
