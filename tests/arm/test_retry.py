"""Which failures are retried, and how long the tool waits: Azure's word first."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError, ServiceResponseError
from azure.core.rest import HttpRequest

from provisioner.arm.retry import RetryPolicy, call_with_retry, error_code, is_transient


class _Response:
    """The smallest response HttpResponseError can read an ARM error body from."""

    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None):
        self.status_code = status
        self.reason = "x"
        self.headers = headers or {}
        self.content_type = "application/json"
        self.request = HttpRequest("PUT", "https://x/")
        self._body = json.dumps({"error": {"code": code, "message": f"{code} happened"}})

    def text(self, encoding=None):
        return self._body

    def body(self):
        return self._body.encode()


def azure_error(status: int, code: str, **headers: str) -> HttpResponseError:
    return HttpResponseError(response=_Response(status, code, headers))


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (429, "TooManyRequests"),
        (500, "InternalServerError"),
        (503, "ServiceUnavailable"),
        (409, "AnotherOperationInProgress"),
        (200, "Canceled"),
        (200, "CanceledAndSupersededDueToAnotherOperation"),
        (429, "RetryableError"),
    ],
)
def test_transient_azure_answers_are_retried(status, code):
    assert is_transient(azure_error(status, code))


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "RulesUseSameBackendPortProtocolAndPool"),
        (400, "InvalidResourceReference"),
        (403, "AuthorizationFailed"),
        (412, "PreconditionFailed"),
        (409, "Conflict"),
    ],
)
def test_validation_and_permission_errors_are_never_retried(status, code):
    assert not is_transient(azure_error(status, code))


def test_a_dropped_connection_is_retried():
    assert is_transient(ServiceResponseError("connection reset"))


def test_retry_after_is_honoured_exactly():
    slept: list[float] = []
    answers = [azure_error(429, "TooManyRequests", **{"Retry-After": "7"}), None]

    def flaky():
        exc = answers.pop(0)
        if exc:
            raise exc
        return "ok"

    assert call_with_retry(flaky, sleep=slept.append) == "ok"
    assert slept == [7.0]


def test_a_validation_error_fails_at_once_with_azures_code():
    calls = []

    def bad():
        calls.append(1)
        raise azure_error(400, "RulesUseSameBackendPortProtocolAndPool")

    with pytest.raises(HttpResponseError) as info:
        call_with_retry(bad, sleep=lambda _: None)
    assert len(calls) == 1
    assert error_code(info.value) == "RulesUseSameBackendPortProtocolAndPool"


def test_attempts_are_bounded():
    calls = []

    def always_busy():
        calls.append(1)
        raise azure_error(503, "ServiceUnavailable")

    with pytest.raises(HttpResponseError):
        call_with_retry(always_busy, sleep=lambda _: None, policy=RetryPolicy(attempts=4))
    assert len(calls) == 4
