"""Which failures are retried, and how long the tool waits: Azure's word first."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.rest import HttpRequest

from provisioner.arm.retry import (
    Retrier,
    RetryCount,
    RetryPolicy,
    call_with_retry,
    cloud_error,
    describe,
    error_code,
    is_request_failure,
    is_transient,
    may_have_landed,
    retrying_call,
    status_of,
)
from provisioner.errors import CloudError, UserInputError


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


# -- a failed request, or the answer of one ------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "in_transit", "maybe_landed"),
    [
        (azure_error(503, "ServiceUnavailable"), True, True),
        (azure_error(500, "InternalServerError"), True, True),
        (azure_error(429, "TooManyRequests"), True, False),
        (ServiceRequestError("refused"), True, False),
        (ServiceResponseError("reset"), True, True),
        (azure_error(409, "AnotherOperationInProgress"), False, False),
        # An operation that ended Canceled arrives on a 200 status document: a verdict.
        (azure_error(200, "Canceled"), False, False),
    ],
)
def test_a_failed_request_is_told_from_an_answer_and_a_lost_write_from_a_refused_one(
    exc, in_transit, maybe_landed
):
    assert is_request_failure(exc) is in_transit
    assert may_have_landed(exc) is maybe_landed


# -- one translation into the errors the CLI renders -------------------------------------------


def test_azures_refusal_becomes_a_provisioner_error_with_azures_code():
    err = cloud_error(azure_error(403, "AuthorizationFailed"), "listing")
    assert isinstance(err, CloudError) and err.exit_code == 1
    assert (err.code, err.message) == ("AuthorizationFailed", "AuthorizationFailed happened")
    assert str(err) == "listing: AuthorizationFailed: AuthorizationFailed happened"
    # Codes, statuses and messages still read through it.
    assert error_code(err) == "AuthorizationFailed" and status_of(err) == 403
    assert describe(err) == "AuthorizationFailed happened" and not is_transient(err)


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ServiceRequestError("refused"), "ConnectionFailed"),
        (ServiceResponseError("reset by peer"), "ConnectionDropped"),
    ],
)
def test_a_dropped_connection_becomes_a_provisioner_error_that_says_so(exc, code):
    err = cloud_error(exc)
    assert isinstance(err, CloudError) and err.code == code and err.cause is exc
    assert "refused" in err.message or "reset by peer" in err.message
    assert is_transient(err)


def test_what_is_not_the_sdks_passes_through_untranslated():
    own = UserInputError("bad --ttl")
    bug = KeyError("x")
    sign_in = ClientAuthenticationError("no credential")  # the CLI's "cannot sign in", exit 2
    assert cloud_error(own) is own and cloud_error(bug) is bug and cloud_error(sign_in) is sign_in


def test_a_retrying_call_gives_up_with_a_cloud_error():
    def refused():
        raise azure_error(400, "InvalidResourceReference")

    target = SimpleNamespace(sleep=lambda _: None, retries=RetryCount())
    with pytest.raises(CloudError) as info:
        retrying_call(target)(refused)
    assert info.value.code == "InvalidResourceReference"
    assert isinstance(info.value.__cause__, HttpResponseError)


def test_a_retrier_counts_every_retry_and_tells_its_listener():
    heard: list[str] = []
    count = RetryCount()
    retry = Retrier(
        lambda _: None, on_retry=lambda exc, _: heard.append(error_code(exc)), count=count
    )
    answers = [azure_error(409, "AnotherOperationInProgress"), ServiceResponseError("reset"), None]

    def flaky():
        exc = answers.pop(0)
        if exc:
            raise exc
        return "ok"

    assert retry.run(flaky) == "ok"
    assert heard == ["AnotherOperationInProgress", "ConnectionDropped"] and count.value == 2
