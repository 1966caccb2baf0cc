"""A write that lands once: what failed is retried, never the whole write.

A write is a request that starts something (PUT, DELETE, PATCH, a run-command POST) and, when
it is long-running, the status polls and the final GET azure-core's poller sends after it.
Retrying the whole sequence when one poll failed sent the write again: with faults on every
request that meant two PUTs of one NIC, and runs that gave up before they converged. So each
request is retried as what it is:

- **a poll** is polled again, in place, by the pipeline (``arm.retry.RetryReads``): ARM keeps
  the operation, and the poller never sees the failure.
- **the write** is sent again only when it provably did not land. A 429, a refusal or a request
  azure-core never sent did not; after a lost answer or a 5xx it may have, so the resource is
  read again first (:class:`Seen`): absent, unchanged (its ETag still the one we sent as
  ``If-Match``) or not what we asked → send again; mid-operation → wait for it to settle; what
  we asked → done, with no second write. An operation that *ended* ``Canceled`` (superseded) or
  asked to be retried is read again the same way before its write is repeated.
- **busy** answers (run-command's 409 "execution in progress": the running one is ours, from a
  POST whose answer was lost) wait for the running one, bounded by the policy's seconds rather
  than its attempts.

Every failure gone past is noted on the :class:`~provisioner.arm.retry.Retrier` (and so counted
on the target); the last one is re-raised as the SDK raised it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from provisioner.arm.retry import Retrier, is_transient, may_have_landed

#: Provisioning states after which a resource no longer changes by itself.
SETTLED_STATES = frozenset({"succeeded", "failed", "canceled"})


class Verdict(Enum):
    LANDED = "landed"
    PENDING = "pending"  # an operation on the resource is still running
    NOT_LANDED = "not landed"


@dataclass(frozen=True)
class Seen:
    """What reading the resource again says about a write whose answer was lost."""

    verdict: Verdict
    #: What the write returns when it landed (the live body of a PUT).
    result: Any = None


NOT_LANDED = Seen(Verdict.NOT_LANDED)
PENDING = Seen(Verdict.PENDING)


def provisioning_state(body: dict[str, Any] | None) -> str | None:
    """``properties.provisioningState`` in lower case, or None."""
    state = ((body or {}).get("properties") or {}).get("provisioningState")
    return str(state).lower() if state else None


def settled(body: dict[str, Any] | None) -> bool:
    """No operation is running on the resource (or it has no provisioning state)."""
    state = provisioning_state(body)
    return state is None or state in SETTLED_STATES


def write_once(
    retry: Retrier | None,
    send: Callable[[], Any],
    *,
    long_running: bool = True,
    reread: Callable[[], Seen] | None = None,
    busy: Callable[[BaseException], bool] | None = None,
) -> Any:
    """Send one write and wait for it; returns the operation's result (or, when a lost answer
    turned out to have landed, what ``reread`` saw).

    ``send`` sends the write: an ``LROPoller`` when ``long_running``, else the answer itself.
    ``reread`` reads the resource again after a failure that may have landed; without it such
    a write is sent again (a run-command script, which is idempotent). ``busy`` recognises
    "another operation of ours is running", which is waited for. Without ``retry`` the write is
    sent once, for callers that retry a larger unit themselves.
    """
    if retry is None:
        started = send()
        return started.result() if long_running else started
    policy = retry.policy
    failures = busy_answers = 0
    busy_waited = 0.0
    while True:
        started = None
        try:
            started = send()
            return started.result() if long_running else started
        except Exception as exc:
            if started is None and busy is not None and busy(exc):
                busy_answers += 1
                delay = policy.delay(min(busy_answers, 16), exc)
                busy_waited += delay
                if busy_waited > policy.total_seconds:
                    raise
                retry.note(exc, delay)
                retry.sleep(delay)
                continue
            if not is_transient(exc):
                raise  # Azure's refusal, or the operation's own
            failed = exc
            # Azure accepted the write when its polls began (they failed even when retried in
            # place, or the operation ended Canceled); a lost answer may have landed too.
            check = started is not None or may_have_landed(exc)
        if check and reread is not None:
            seen = _settle(retry, reread)
            if seen.verdict is Verdict.LANDED:
                retry.note(failed, 0.0)
                return seen.result
        failures += 1
        if failures >= policy.attempts:
            raise failed
        delay = policy.delay(failures, failed)
        retry.note(failed, delay)
        retry.sleep(delay)


def _settle(retry: Retrier, reread: Callable[[], Seen]) -> Seen:
    """Read the resource until no operation on it is running, within the policy's seconds;
    a resource still busy then counts as not landed (sending again meets Azure's own
    ``AnotherOperationInProgress``, which is retried)."""
    policy = retry.policy
    waited = 0.0
    attempt = 0
    while True:
        seen = retry(reread)
        if seen.verdict is not Verdict.PENDING:
            return seen
        attempt += 1
        delay = policy.delay(min(attempt, 16))
        if waited + delay > policy.total_seconds:
            return NOT_LANDED
        waited += delay
        retry.sleep(delay)
