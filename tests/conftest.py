"""Every test runs outside CI as far as the tool can tell: a test run inside GitHub Actions or
Azure Pipelines must not write job summaries of its own environments into the real run."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_ci_summaries(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_STEP_SUMMARY", "TF_BUILD", "AGENT_TEMPDIRECTORY"):
        monkeypatch.delenv(name, raising=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The peer tests (minutes each, one process) go first, so that under ``-n 2`` they run
    beside the rest of the suite instead of after it."""
    items.sort(key=lambda item: item.get_closest_marker("peers") is None)
