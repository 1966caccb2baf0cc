"""The one retry policy: which Azure failures are worth another attempt, and how long to wait.

The SDK clients are built with :class:`RetryReads` in azure-core's retry slot (see
``target.py``), so this module owns every retry: azure-core's own policy would also re-send
writes, and two layers would multiply (its attempts × ours).
A failure is transient when Azure says so (429, 5xx, ``AnotherOperationInProgress``,
``Canceled…``, ``RetryableError…``) or the connection dropped; a 4xx validation error never is —
retrying it only delays the message the user needs.

What is retried is the failed *request*, not the unit around it. A GET — a read, a page of a
listing, a long-running operation's status poll or its final GET — is retried in place by
:class:`RetryReads`, the pipeline policy every client of a target is built with: a failed poll
is polled again (ARM keeps the operation) instead of the write being sent again. A write is sent
again only when it provably did not land (``arm.write_once``). A :class:`Retrier` carries one
caller's policy, its sleep and who hears of each retry. Every retry, in place or not, is
counted on the target, which is how ``up`` reports the retries it needed.

Above ``arm`` nothing handles the SDK's exceptions: :func:`cloud_error` is the one translation
into a :class:`~provisioner.errors.CloudError` (a ``ProvisionerError``, rendered once by the
CLI with its exit code), and :func:`retrying_call`, the ``call`` every reader takes, applies it
when it gives up.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline.policies import RetryPolicy as _PipelineRetryPolicy
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity import stop_after_delay as _stop_after_delay

from provisioner.errors import CloudError, ProvisionerError

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


def azure_cause(exc: BaseException) -> BaseException:
    """The SDK's exception behind ``exc`` (``exc`` itself unless it is a translated one)."""
    if isinstance(exc, CloudError) and exc.cause is not None:
        return exc.cause
    return exc


def error_codes(exc: BaseException) -> list[str]:
    """Azure's error code and the codes of its details, outermost first."""
    exc = azure_cause(exc)
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


#: What a failed connection is called where Azure gave no code.
CONNECTION_FAILED = "ConnectionFailed"
CONNECTION_DROPPED = "ConnectionDropped"


def error_code(exc: BaseException) -> str:
    """The most specific useful code: the outer one, else the HTTP status, else what happened
    to the connection, else the class name."""
    if isinstance(exc, CloudError):
        return exc.code
    codes = error_codes(exc)
    if codes:
        return codes[0]
    status = getattr(exc, "status_code", None)
    if status:
        return f"HTTP{status}"
    if isinstance(exc, ServiceRequestError):
        return CONNECTION_FAILED
    if isinstance(exc, ServiceResponseError):
        return CONNECTION_DROPPED
    return type(exc).__name__


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of the response that failed, if there was one."""
    return getattr(azure_cause(exc), "status_code", None)


def is_transient(exc: BaseException) -> bool:
    """True when Azure (or the network) asked for another attempt."""
    exc = azure_cause(exc)
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


def may_have_landed(exc: BaseException) -> bool:
    """Whether a write that failed with ``exc`` may still have been carried out.

    A dropped response (``ServiceResponseError``), a timeout or a 5xx leave it open: Azure may
    have committed the write before the answer was lost. A throttled request (429), a refusal
    (4xx) and a request that was never sent (``ServiceRequestError``: azure-core raises it only
    when "no request was sent") provably did not land.
    """
    exc = azure_cause(exc)
    if isinstance(exc, ServiceResponseError):
        return True
    status = getattr(exc, "status_code", None)
    return (
        isinstance(exc, HttpResponseError)
        and status is not None
        and (status == 408 or status >= 500)
    )


def failed_in_transit(status: int) -> bool:
    """A status that says the request failed on its way (throttled, timed out, a server
    error), not what Azure thinks of what it asked."""
    return status in (408, 429) or status >= 500


def is_request_failure(exc: BaseException) -> bool:
    """The request failed — the connection, or a 429/408/5xx answer — not what it asked for.

    For a GET this is what :class:`RetryReads` already retried in place. For a long-running
    operation it tells a failed status poll (ARM still holds the operation) from the
    operation's own verdict: one that *ended* Failed or Canceled comes back on a 200 status
    document, which azure-core raises with that response.
    """
    exc = azure_cause(exc)
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(exc, HttpResponseError) and status is not None and failed_in_transit(status)


def is_transient_answer(exc: BaseException) -> bool:
    """Transient, but an answer (``AnotherOperationInProgress``, ``RetryableError``…) rather
    than a failed request: what is left to retry around a read that was retried in place."""
    return is_transient(exc) and not is_request_failure(exc)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the service asked us to wait (Retry-After / retry-after-ms), if any."""
    response = getattr(azure_cause(exc), "response", None)
    return retry_after_header(getattr(response, "headers", None))


def retry_after_header(headers: Any) -> float | None:
    """:func:`retry_after` from a response's headers."""
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

    #: Attempts per request: azure-core's own default (``retry_total=10``, so 11 attempts).
    #: With a fifth to a third of requests failing, 8 left one ``up`` in a few hundred to fail
    #: a request 8 times running; 11 makes it one in tens of thousands (``bench/faults.py``).
    attempts: int = 11
    total_seconds: float = 900.0
    base_delay: float = 1.0
    max_delay: float = 60.0
    #: Seeded so that back-off jitter is reproducible in tests.
    seed: int | None = None

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return self.delay(state.attempt_number, exc)

    def delay(
        self, attempt: int, exc: BaseException | None = None, *, headers: Any = None
    ) -> float:
        """Seconds to wait after the ``attempt``-th failure: Retry-After when Azure sent one
        (on ``exc``'s response, or in ``headers``), else exponential back-off with jitter."""
        asked = retry_after(exc) if exc is not None else retry_after_header(headers)
        if asked is not None:
            return min(asked, self.total_seconds)
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
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
    retry_if: Callable[[BaseException], bool] = is_transient,
) -> T:
    """Run ``fn`` until it succeeds, fails non-transiently, or the policy's bounds are spent.

    ``sleep`` is the target's sleep (scaled virtual time on the local cloud). ``retry_also`` adds
    caller-specific transient errors (``down``: a resource still in use by one being deleted);
    ``retry_if`` replaces :func:`is_transient`.
    The last exception is re-raised unchanged, so callers see Azure's own error.
    """

    def transient(exc: BaseException) -> bool:
        return retry_if(exc) or bool(retry_also and retry_also(exc))

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


class RetryCount:
    """How many failed requests a run went past by retrying (thread-safe; one per target)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self._value += n

    @property
    def value(self) -> int:
        return self._value


class RetryReads(_PipelineRetryPolicy):
    """The pipeline's retry policy: a GET or HEAD that failed on its way is sent again, in
    place; any other method passes through untouched (a write is ``arm.write_once``'s).

    In place matters for long-running operations: azure-core's poller sends its status polls
    and the final GET through this pipeline, so a failed poll is polled again and the poller
    never sees it — retrying around ``poller.result()`` would send the write again. Failed on
    its way means the connection (``ServiceRequestError``/``ServiceResponseError``) or a
    408/429/5xx answer; Retry-After is honoured, else :class:`RetryPolicy`'s back-off; sleeps go
    through the transport (virtual time on the local cloud). After ``policy.attempts`` the last
    answer is returned (the SDK raises it as usual) or the last connection error raised.
    ``reads`` names the methods that read (Resource Graph queries are POSTs).
    """

    def __init__(
        self,
        policy: RetryPolicy = DEFAULT_POLICY,
        count: RetryCount | None = None,
        reads: frozenset[str] = frozenset({"GET", "HEAD"}),
    ) -> None:
        super().__init__(retry_total=0)
        self.policy, self.count, self.reads = policy, count, reads

    def send(self, request: Any) -> Any:
        if request.http_request.method.upper() not in self.reads:
            return self.next.send(request)
        waited = 0.0
        attempt = 0
        while True:
            failure: AzureError | None = None
            response: Any = None
            try:
                response = self.next.send(request)
            except ClientAuthenticationError:
                raise
            except (ServiceRequestError, ServiceResponseError) as exc:
                failure = exc
            else:
                if not failed_in_transit(response.http_response.status_code):
                    return response
            attempt += 1
            headers = response.http_response.headers if response is not None else None
            delay = self.policy.delay(attempt, failure, headers=headers)
            if attempt >= self.policy.attempts or waited + delay > self.policy.total_seconds:
                if failure is not None:
                    raise failure
                return response
            if self.count is not None:
                self.count.add()
            waited += delay
            request.context.transport.sleep(delay)


@dataclass(frozen=True)
class Retrier:
    """One caller's retries: the target's sleep, the policy, who hears of each retry and the
    count they add to. Callable as a ``Call`` for reads (SDK exceptions re-raised as they are).
    """

    sleep: Callable[[float], None]
    policy: RetryPolicy = DEFAULT_POLICY
    on_retry: Callable[[BaseException, float], None] | None = None
    count: RetryCount | None = None

    def __call__(self, fn: Callable[[], T]) -> T:
        """A read: its GETs were retried in place, so only transient answers are retried here."""
        return self.run(fn, retry_if=is_transient_answer)

    def run(
        self,
        fn: Callable[[], T],
        *,
        retry_if: Callable[[BaseException], bool] = is_transient,
        retry_also: Callable[[BaseException], bool] | None = None,
    ) -> T:
        """``fn`` through :func:`call_with_retry` under this retrier's policy, counted."""
        return call_with_retry(
            fn,
            sleep=self.sleep,
            policy=self.policy,
            on_retry=self.note,
            retry_if=retry_if,
            retry_also=retry_also,
        )

    def note(self, exc: BaseException, delay: float) -> None:
        """One failure went past: count it and tell the listener."""
        if self.count is not None:
            self.count.add()
        if self.on_retry is not None:
            self.on_retry(exc, delay)


def retrier(
    target: Target,
    policy: RetryPolicy = DEFAULT_POLICY,
    on_retry: Callable[[BaseException, float], None] | None = None,
) -> Retrier:
    """A :class:`Retrier` on ``target``: its sleep, and its count of retries."""
    return Retrier(target.sleep, policy, on_retry, target.retries)


def retrying_call(target: Target, policy: RetryPolicy = DEFAULT_POLICY) -> Call:
    """The ``call`` every reader takes: ``fn`` retried on ``target`` (its GETs in place, then
    the transient answers); what still fails leaves as a
    :class:`~provisioner.errors.CloudError` (:func:`cloud_error`).

    A reader that handles one of Azure's answers itself (404 → None) does so inside ``fn``.
    """
    retry = retrier(target, policy)

    def call(fn: Callable[[], T]) -> T:
        try:
            return retry(fn)
        except AzureError as exc:
            translated = cloud_error(exc)
            if translated is exc:
                raise
            raise translated from exc

    return call


def cloud_error(exc: BaseException, what: str = "") -> BaseException:
    """The one translation of an SDK or transport exception into a ``ProvisionerError``.

    Azure's answers keep Azure's code and message; a dropped or refused connection is
    ``ConnectionDropped`` / ``ConnectionFailed``. A ``ProvisionerError`` passes as it is, and so
    does a failed sign-in (``ClientAuthenticationError``), which the CLI turns into its "cannot
    sign in" message with exit 2; anything that is not the SDK's is returned unchanged (a bug
    keeps its traceback).
    """
    if isinstance(exc, ProvisionerError | ClientAuthenticationError):
        return exc
    if not isinstance(exc, AzureError):
        return exc
    message = describe(exc)
    if isinstance(exc, ServiceRequestError):
        message = f"the request did not reach Azure ({message})"
    elif isinstance(exc, ServiceResponseError):
        message = f"the connection dropped before Azure answered ({message})"
    return CloudError(error_code(exc), message, what=what, cause=exc)


def describe(exc: BaseException) -> str:
    """Azure's message for ``exc`` without the SDK's multi-line decoration."""
    if isinstance(exc, CloudError):
        return exc.message
    err = getattr(exc, "error", None)
    message = getattr(err, "message", None) if err is not None else None
    if message:
        return str(message)
    if isinstance(exc, AzureError):
        return str(exc.message).splitlines()[0] if exc.message else type(exc).__name__
    return str(exc)
