"""provisioner's pytest plugin, loaded through the ``pytest11`` entry point (docs/testing.md).

Fixtures:

- ``azure_local_cloud`` — a :class:`~provisioner.testing.local_azure.LocalAzure`: an empty local
  cloud with ready ``network``, ``compute`` and ``resources`` SDK clients, its request log,
  faults and time scale. A fresh one per test, or one for the session
  (``--local-cloud-scope session`` or the ini option ``local_cloud_scope``).
- ``provisioned`` — a factory: ``provisioned("blueprint.yaml")`` brings the blueprint up and
  returns an :class:`~provisioner.testing.environments.Environment` (mapping, addresses); every
  environment it brought up is torn down when the test ends, passed or failed. On the local
  cloud by default (the same one ``azure_local_cloud`` gives the test); on Azure with
  ``--provision-target azure`` and a subscription (``--provision-subscription`` or
  ``AZURE_SUBSCRIPTION_ID``; credentials as ``provision`` finds them).
- ``provision_target`` — ``"local"`` or ``"azure"``, the target of the current test.

Marker ``@pytest.mark.both_targets``: the test runs twice, ``[local]`` and ``[azure]``; the
Azure run is skipped, with the reason, when no subscription is configured.

pytest imports this module in every run of every project where provisioner is installed,
provisioner's own test suite included. So at import it touches only pytest and the standard
library, and its hooks act only on tests that ask for its fixtures or carry its marker: the
local cloud and the Azure SDK are imported when a fixture is set up, never before.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from provisioner.testing.environments import Environment
    from provisioner.testing.local_azure import LocalAzure

TARGETS = ("local", "azure")
SCOPES = ("function", "session")
#: Azure environments a run leaves (a killed runner) expire; cleanup --expired removes them.
AZURE_TTL = "2h"
SUBSCRIPTION_ENV = "AZURE_SUBSCRIPTION_ID"  # the variable provision itself reads


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("provisioner", "provisioner: Azure Load Balancer blueprints")
    group.addoption(
        "--provision-target",
        choices=TARGETS,
        default=None,
        help="where the provisioned fixture brings blueprints up (default: local)",
    )
    group.addoption(
        "--provision-subscription",
        default=None,
        help=f"Azure subscription id for --provision-target azure (default: ${SUBSCRIPTION_ENV})",
    )
    group.addoption(
        "--local-cloud-scope",
        choices=SCOPES,
        default=None,
        help="a fresh azure_local_cloud per test (function, default) or one per session",
    )
    parser.addini("provision_target", "default of --provision-target", default="local")
    parser.addini("local_cloud_scope", "default of --local-cloud-scope", default="function")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "both_targets: run the test on the local cloud and on Azure (the Azure run is skipped "
        "without a subscription)",
    )


def _setting(config: pytest.Config, name: str, choices: tuple[str, ...]) -> str:
    """A command-line option, else its ini option; a bad ini value is a usage error."""
    value = config.getoption(name) or config.getini(name)
    if value not in choices:
        raise pytest.UsageError(f"{name} = {value!r}: must be one of {', '.join(choices)}")
    return str(value)


def _subscription(config: pytest.Config) -> str | None:
    return config.getoption("provision_subscription") or os.environ.get(SUBSCRIPTION_ENV) or None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marked = metafunc.definition.get_closest_marker("both_targets") is not None
    if marked and "provision_target" in metafunc.fixturenames:
        metafunc.parametrize("provision_target", TARGETS, indirect=True)


def _local_cloud_scope(fixture_name: str, config: pytest.Config) -> str:
    return _setting(config, "local_cloud_scope", SCOPES)


@pytest.fixture(scope=_local_cloud_scope)
def azure_local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAzure]:
    """An empty local cloud, real SDK clients pointed at it, its request log, faults, time."""
    from provisioner.testing.local_azure import LocalAzure

    local = LocalAzure.start(tmp_path_factory.mktemp("azure-local-cloud") / "cloud.sqlite")
    yield local
    local.close()


@pytest.fixture
def provision_target(request: pytest.FixtureRequest) -> str:
    """``local`` or ``azure``: where this test's ``provisioned`` environments go."""
    kind = getattr(request, "param", None) or _setting(request.config, "provision_target", TARGETS)
    if kind == "azure" and not _subscription(request.config):
        pytest.skip(
            f"no Azure subscription: pass --provision-subscription or set {SUBSCRIPTION_ENV}"
        )
    return str(kind)


def _env_name(nodeid: str, n: int, kind: str) -> str:
    """``pt-<hash of the test>-<n>``: apart per test and per call; on Azure also per run, since
    two CI runs of one suite share the subscription."""
    name = f"pt-{hashlib.sha256(nodeid.encode()).hexdigest()[:8]}-{n}"
    return f"{name}-{secrets.token_hex(2)}" if kind == "azure" else name


@pytest.fixture
def provisioned(
    request: pytest.FixtureRequest, provision_target: str
) -> Iterator[Callable[..., Environment]]:
    """``provisioned(blueprint, env=None, ttl=None, tags=None)`` → an Environment that is up;
    each is torn down when the test ends, passed or failed (a teardown that leaves something
    is an error of the test)."""
    from provisioner.arm.target import open_target
    from provisioner.testing.environments import provision_environment

    if provision_target == "local":  # set up before this fixture, so torn down after it
        local: LocalAzure = request.getfixturevalue("azure_local_cloud")
        target = open_target("local", None, local_cloud=local.cloud)
    else:
        target = open_target("azure", _subscription(request.config))
    count = iter(range(1, 10_000))

    def bring(blueprint: str | os.PathLike[str], **options: Any) -> Environment:
        env = options.pop("env", None) or _env_name(
            request.node.nodeid, next(count), provision_target
        )
        if provision_target == "azure":
            options.setdefault("ttl", AZURE_TTL)
        return stack.enter_context(provision_environment(target, blueprint, env=env, **options))

    with ExitStack() as stack:
        stack.callback(target.close)  # registered first: closes after every teardown
        yield bring
