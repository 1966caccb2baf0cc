"""The one retry policy: which Azure failures are worth another attempt, and how long to wait.

The SDK clients are built with ``retry_total=0`` (see ``target.py``), so this module owns every
retry. Two layers of retries would multiply (azure-core's 4 attempts × ours) and hide Retry-After.
A failure is transient when Azure says so (429, 5xx, ``AnotherOperationInProgress``,
``Canceled…``, ``RetryableError…``) or the connection dropped; a 4xx validation error never is —
retrying it only delays the message the user needs.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity import stop_after_delay as _stop_after_delay

if TYPE_CHECKING:
    from provisioner.arm.target import Target

T = TypeVar("T")
#: Runs one SDK call under the caller's retry policy; every reader in ``arm`` takes one.
Call = Callable[[Callable[[], T]], T]


def direct(fn: Callable[[], T]) -> T:
    """The ``call`` that adds nothing: for callers that wrap a whole unit in their own retry."""
    return fn()


#: Error codes Azure uses for "try again later", whatever the HTTP status they came with
#: (an LRO that ends ``Canceled`` arrives on a 200 status poll).
TRANSIENT_CODES = frozenset(
    code.lower()
    for code in (
        "AnotherOperationInProgress",
        "Canceled",
        "CanceledAndSupersededDueToAnotherOperation",
        "OperationPreempted",
        "RetryableError",
        "RetryableErrorDueToAnotherOperation",
        "ReferencedResourceNotProvisioned",
        "TooManyRequests",
        "SubscriptionRequestsThrottled",
        "InternalServerError",
        "InternalError",
        "ServerTimeout",
        "GatewayTimeout",
        "ServiceUnavailable",
        "Conflict.RunCommandInProgress",
    )
)

#: Statuses that are validation or permission answers: deterministic, never retried.
NEVER_RETRY_STATUS = frozenset({400, 401, 403, 404, 405, 412, 413, 415, 422})


def error_codes(exc: BaseException) -> list[str]:
    """Azure's error code and the codes of its details, outermost first."""
    codes: list[str] = []
    err = getattr(exc, "error", None)
    stack = [err] if err is not None else []
    while stack:
        e = stack.pop(0)
        code = getattr(e, "code", None)
        if code:
            codes.append(str(code))
        stack.extend(getattr(e, "details", None) or [])
    return codes


def error_code(exc: BaseException) -> str:
    """The most specific useful code: the outer one, else the HTTP status, else the class name."""
    codes = error_codes(exc)
    if codes:
        return codes[0]
    status = getattr(exc, "status_code", None)
    return f"HTTP{status}" if status else type(exc).__name__


def is_transient(exc: BaseException) -> bool:
    """True when Azure (or the network) asked for another attempt."""
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return True  # dropped connection, before or after the request was committed
    if not isinstance(exc, HttpResponseError):
        return False
    status = exc.status_code
    codes = {c.lower() for c in error_codes(exc)}
    if status in NEVER_RETRY_STATUS and "retryableerror" not in codes:
        return False
    if status is not None and (status == 429 or status == 408 or status >= 500):
        return True
    return bool(codes & TRANSIENT_CODES)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the service asked us to wait (Retry-After / retry-after-ms), if any."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    headers = {str(k).lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001)):
        if headers.get(name):
            try:
                return float(headers[name]) * scale
            except ValueError:
                pass
    value = headers.get("retry-after")
    if value:
        try:
            return float(value)
        except ValueError:
            return None  # an HTTP date: fall back to our own back-off
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of one retried call, in the target's seconds (virtual on the local cloud)."""

    attempts: int = 8
    total_seconds: float = 900.0
    base_delay: float = 1.0
    max_delay: float = 60.0
    #: Seeded so that back-off jitter is reproducible in tests.
    seed: int | None = None

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after(exc) if exc is not None else None
        if asked is not None:
            return min(asked, self.total_seconds)
        backoff = min(self.max_delay, self.base_delay * 2 ** (state.attempt_number - 1))
        rng = random.Random(self.seed if self.seed is not None else None)
        return backoff * (0.5 + rng.random() / 2)


DEFAULT_POLICY = RetryPolicy()


def call_with_retry(
    fn: Callable[[], T],
    *,
    sleep: Callable[[float], None],
    policy: RetryPolicy = DEFAULT_POLICY,
    on_retry: Callable[[BaseException, float], None] | None = None,
    retry_also: Callable[[BaseException], bool] | None = None,
) -> T:
    """Run ``fn`` until it succeeds, fails non-transiently, or the policy's bounds are spent.

    ``sleep`` is the target's sleep (scaled virtual time on the local cloud). ``retry_also`` adds
    caller-specific transient errors (``down``: a resource still in use by one being deleted).
    The last exception is re-raised unchanged, so callers see Azure's own error.
    """

    def transient(exc: BaseException) -> bool:
        return is_transient(exc) or bool(retry_also and retry_also(exc))

    def before_sleep(state: RetryCallState) -> None:
        if on_retry and state.outcome is not None and state.next_action is not None:
            on_retry(state.outcome.exception(), state.next_action.sleep)

    retrying = Retrying(
        sleep=sleep,
        stop=stop_after_attempt(policy.attempts) | _stop_after_delay(policy.total_seconds),
        wait=policy.wait,
        retry=retry_if_exception(transient),
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(fn)


def retrying_call(target: Target, policy: RetryPolicy = DEFAULT_POLICY) -> Call:
    """The ``call`` every reader takes: ``fn`` through :func:`call_with_retry` on ``target``."""
    return lambda fn: call_with_retry(fn, sleep=target.sleep, policy=policy)


def describe(exc: BaseException) -> str:
    """Azure's message for ``exc`` without the SDK's multi-line decoration."""
    err = getattr(exc, "error", None)
    message = getattr(err, "message", None) if err is not None else None
    if message:
        return str(message)
    if isinstance(exc, AzureError):
        return str(exc.message).splitlines()[0] if exc.message else type(exc).__name__
    return str(exc)
