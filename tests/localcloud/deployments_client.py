"""A deployments client for tests: azure-mgmt-resource 24+ ships no deployments operations, so a
template is PUT through the resource client's own pipeline and polled with ARM's LRO poller, as
azure-mgmt-resource-deployments (what az CLI uses) does."""

from __future__ import annotations

import json
from typing import Any

from azure.core.exceptions import HttpResponseError
from azure.core.polling import LROPoller
from azure.core.rest import HttpRequest
from azure.mgmt.core.exceptions import ARMErrorFormat
from azure.mgmt.core.polling.arm_polling import ARMPolling
from localcloud_helpers import SUB

API = "2024-11-01"


def _url(rg: str, name: str, suffix: str = "") -> str:
    return (
        f"/subscriptions/{SUB}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/"
        f"{name}{suffix}?api-version={API}"
    )


def _send(c, method: str, path: str, body: Any = None):
    client = c.resource._client
    base = c.resource._config.base_url.rstrip("/")
    req = HttpRequest(method, base + path, json=body)
    resp = client._pipeline.run(req, stream=False)
    if resp.http_response.status_code >= 400:
        raise HttpResponseError(response=resp.http_response, error_format=ARMErrorFormat)
    return resp


def begin_deploy(c, rg: str, name: str, template: dict, parameters: dict | None = None):
    body = {
        "properties": {"mode": "Incremental", "template": template, "parameters": parameters or {}}
    }
    first = _send(c, "PUT", _url(rg, name), body)
    return LROPoller(
        c.resource._client,
        first,
        lambda r: json.loads(r.http_response.text()),
        ARMPolling(0),
    )


def deploy(c, rg: str, name: str, template: dict, parameters: dict | None = None) -> dict:
    return begin_deploy(c, rg, name, template, parameters).result()


def get(c, rg: str, name: str, suffix: str = "") -> dict:
    return json.loads(_send(c, "GET", _url(rg, name, suffix)).http_response.text())


def validate(c, rg: str, name: str, template: dict, parameters: dict | None = None) -> dict:
    body = {
        "properties": {"mode": "Incremental", "template": template, "parameters": parameters or {}}
    }
    return json.loads(_send(c, "POST", _url(rg, name, "/validate"), body).http_response.text())
