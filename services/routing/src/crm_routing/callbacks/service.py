"""Rules of callbacks: scheduling within a window, routing due ones like calls, attempts and their
outcomes, retries, expiry, and the recovery of attempts nobody reported on.

A due callback goes to the agent who knows the customer, else the best free expert of its
category (anyone when it has none, or once it waited `widen_after_seconds`), chosen by
`calls.choice`. A marketing callback needs its contact's phone consent (the consents read model):
it is refused without it, and cancelled (`consent-withdrawn`) instead of dialled once it is
withdrawn. The agent is claimed like a call (a conditional update of `agents.current_call_id`,
here to `callback:<attempt id>`), so an agent never has a call and an attempt at once.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Engine
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import new_id, open_session, transaction, utcnow
from crm_common.errors import FieldError
from crm_common.events.routing import (
    CallbackCancelled,
    CallbackCompleted,
    CallbackConnect,
    CallbackExpired,
    CallbackFailed,
    CallbackRescheduled,
    CallbackScheduled,
)
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_routing.access import RowScope
from crm_routing.agents import repository as agents
from crm_routing.agents.models import Agent
from crm_routing.callbacks import repository
from crm_routing.callbacks.errors import (
    AttemptFinished,
    AttemptNotCurrent,
    AttemptNotFound,
    CallbackFinished,
    CallbackNotFound,
    ConsentRequired,
    InvalidCallback,
)
from crm_routing.callbacks.models import Callback, CallbackAttempt
from crm_routing.callbacks.schemas import (
    FINISHED,
    AttemptOutcome,
    AttemptRead,
    CallbackCreate,
    CallbackDetail,
    CallbackPurpose,
    CallbackRead,
    CallbackStatus,
    CancelReason,
    Outcome,
)
from crm_routing.calls import choice, dispatch
from crm_routing.calls import repository as calls
from crm_routing.config import RoutingSettings
from crm_routing.db import SOURCE, Outbox
from crm_routing.readmodel import repository as known
from crm_routing.readmodel import service as readmodel
from crm_routing.readmodel.models import KnownContact
from crm_routing.validation import e164

HOLDER_PREFIX = "callback:"
# The consent a callback of each purpose needs (none for the service the customer asked for).
CONSENT_NEEDED: dict[str, str] = {"marketing": "phone"}


def holder(attempt_id: uuid.UUID) -> str:
    """What `agents.current_call_id` holds while the agent makes this attempt."""
    return f"{HOLDER_PREFIX}{attempt_id}"


def to_read(callback: Callback) -> CallbackRead:
    return CallbackRead(
        id=callback.id,
        contact_id=callback.contact_id,
        phone=callback.phone,
        category=callback.category,
        purpose=cast(CallbackPurpose, callback.purpose),
        note=callback.note,
        window_from=callback.window_from,
        window_to=callback.window_to,
        status=_status(callback.status),
        cancel_reason=cast(CancelReason | None, callback.cancel_reason),
        attempt_count=callback.attempts,
        next_attempt_at=callback.next_attempt_at,
        agent_id=callback.agent_id,
        finished_at=callback.finished_at,
        version=callback.version,
        created_at=callback.created_at,
        updated_at=callback.updated_at,
    )


def _status(value: str) -> CallbackStatus:
    return cast(CallbackStatus, value)


def _outcome(value: str | None) -> Outcome | None:
    return cast(Outcome | None, value)


def to_detail(session: Session, callback: Callback) -> CallbackDetail:
    attempts = [
        AttemptRead(
            id=a.id,
            number=a.number,
            agent_id=a.agent_id,
            extension=a.extension,
            started_at=a.started_at,
            outcome=_outcome(a.outcome),
            finished_at=a.finished_at,
            duration_seconds=a.duration_seconds,
        )
        for a in repository.attempts_of(session, callback.id)
    ]
    return CallbackDetail(**to_read(callback).model_dump(), attempts=attempts)


# --- scheduling --------------------------------------------------------------------------------


def _check_request(data: CallbackCreate, settings: RoutingSettings, now: datetime) -> str | None:
    """The phone in E.164 (when given); every field error at once."""
    errors: list[FieldError] = []
    phone: str | None = None
    if data.contact_id is not None and data.phone is not None:
        errors.append(
            FieldError(
                field="body.phone",
                message="give either contact_id or phone, not both",
                code="contact_or_phone",
            )
        )
    elif data.contact_id is None and data.phone is None:
        errors.append(
            FieldError(
                field="body.phone",
                message="contact_id or phone is required",
                code="contact_or_phone",
            )
        )
    elif data.phone is not None:
        try:
            phone = e164(data.phone, settings.default_region)
        except ValueError as exc:
            errors.append(FieldError(field="body.phone", message=str(exc), code="invalid_phone"))
    if data.window_to <= data.window_from:
        errors.append(
            FieldError(
                field="body.window_to", message="must be after window_from", code="window_order"
            )
        )
    elif data.window_to <= now:
        errors.append(
            FieldError(field="body.window_to", message="must be in the future", code="window_past")
        )
    elif (data.window_to - data.window_from).total_seconds() > settings.callback_max_window_seconds:
        errors.append(
            FieldError(
                field="body.window_to",
                message=f"the window may last at most {settings.callback_max_window_seconds} s",
                code="window_too_long",
            )
        )
    if data.window_from > now + timedelta(seconds=settings.callback_max_ahead_seconds):
        errors.append(
            FieldError(
                field="body.window_from",
                message=f"must start within {settings.callback_max_ahead_seconds} s from now",
                code="window_too_far_ahead",
            )
        )
    if errors:
        raise InvalidCallback(errors)
    return phone


def _contact_phone(session: Session, contact_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    """The contact (its survivor when merged) and the number to call it on, from the read model."""
    contact = readmodel.survivor(session, known.get_contact(session, contact_id))
    if contact is None:
        raise InvalidCallback(
            [FieldError(field="body.contact_id", message="no such contact", code="unknown_contact")]
        )
    phone = repository.phone_of_contact(session, contact.id)
    if phone is None:
        raise InvalidCallback(
            [
                FieldError(
                    field="body.contact_id",
                    message="the contact has no phone number",
                    code="contact_without_phone",
                )
            ]
        )
    return contact.id, phone


def _require_consent(session: Session, purpose: str, contact: KnownContact | None) -> None:
    """409 consent-required unless a callback of `purpose` may call `contact`."""
    needed = CONSENT_NEEDED.get(purpose)
    if needed is None:
        return
    if contact is None:
        raise ConsentRequired(needed, None, "the number belongs to no known contact")
    consent = readmodel.consent_for(session, contact.id, needed)
    if consent is None:
        raise ConsentRequired(needed, contact.id, "the contact never gave it")
    if not consent.granted:
        raise ConsentRequired(needed, contact.id, "the contact withdrew it")


def consented(session: Session, callback: Callback) -> bool:
    """Whether the callback may still be made: its purpose needs no consent, or its contact's
    (survivor's) consent is granted."""
    needed = CONSENT_NEEDED.get(callback.purpose)
    if needed is None:
        return True
    if callback.contact_id is None:
        return False
    consent = readmodel.consent_for(session, callback.contact_id, needed)
    return consent is not None and consent.granted


def consent_withdrawn(session: Session, contact_id: uuid.UUID, consent: str) -> list[uuid.UUID]:
    """Cancel (`consent-withdrawn`) the scheduled callbacks of the contact (and of contacts merged
    into it) whose purpose needs `consent`, the moment it is withdrawn; their ids."""
    purposes = [purpose for purpose, needed in CONSENT_NEEDED.items() if needed == consent]
    if not purposes:
        return []
    now = utcnow()
    cancelled = repository.scheduled_needing(
        session, readmodel.family(session, contact_id), purposes
    )
    for callback in cancelled:
        cancel_now(session, callback, now, "consent-withdrawn")
    return [callback.id for callback in cancelled]


def schedule(
    session: Session, data: CallbackCreate, principal: Principal, settings: RoutingSettings
) -> CallbackDetail:
    """Schedule a callback: the customer's phone (from the read model for a contact), who should
    call (the owner, then the last agent, then experts of the category or of what they bought).
    A marketing callback needs the contact's phone consent (409 consent-required)."""
    now = utcnow()
    phone = _check_request(data, settings, now)
    if data.contact_id is not None:
        contact_id, phone = _contact_phone(session, data.contact_id)
        contact = known.get_contact(session, contact_id)
    else:
        assert phone is not None
        contact = known.get_by_phone(session, phone)
    _require_consent(session, data.purpose, contact)
    profile = readmodel.profile(session, contact)
    preferred: list[str] = []
    if contact is not None and contact.owner_id:
        preferred.append(contact.owner_id)
    last = calls.last_agent(session, contact.id if contact else None, phone)
    if last is not None and str(last) not in preferred:
        preferred.append(str(last))
    callback = Callback(
        contact_id=contact.id if contact else None,
        phone=phone,
        category=data.category or choice.history_category(profile.categories_bought),
        purpose=data.purpose,
        note=data.note,
        window_from=data.window_from,
        window_to=data.window_to,
        status="scheduled",
        next_attempt_at=max(data.window_from, now),
        preferred_agent_ids=preferred,
        created_by=principal.id,
        created_at=now,
        updated_at=now,
    )
    session.add(callback)
    session.flush()
    assert callback.next_attempt_at is not None
    add_event(
        session,
        Outbox,
        CallbackScheduled(
            callback_id=callback.id,
            contact_id=callback.contact_id,
            customer_number=callback.phone,
            category=callback.category,
            window_from=callback.window_from,
            window_to=callback.window_to,
            next_attempt_at=callback.next_attempt_at,
            scheduled_at=now,
            purpose=data.purpose,
        ),
        source=SOURCE,
        subject=str(callback.id),
    )
    return to_detail(session, callback)


def require_visible_callback(
    session: Session, callback_id: uuid.UUID, rows: RowScope, *, for_update: bool = False
) -> Callback:
    """The callback, when the caller's rows hold it (a website: the callbacks it scheduled); 404
    otherwise, whether or not it exists."""
    callback = repository.get(session, callback_id, for_update=for_update, rows=rows)
    if callback is None:
        raise CallbackNotFound(callback_id)
    return callback


def get_callback(session: Session, callback_id: uuid.UUID, rows: RowScope) -> CallbackDetail:
    return to_detail(session, require_visible_callback(session, callback_id, rows))


def list_callbacks(
    session: Session,
    rows: RowScope,
    *,
    status: CallbackStatus | None,
    contact_id: uuid.UUID | None,
    due_before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Paged[CallbackRead]:
    found, next_cursor = repository.list_page(
        session,
        status=status,
        contact_id=contact_id,
        due_before=due_before,
        rows=rows,
        limit=limit,
        cursor=cursor,
    )
    return [to_read(c) for c in found], next_cursor


def cancel(
    session: Session, callback_id: uuid.UUID, rows: RowScope, if_match: str | None
) -> CallbackDetail:
    """No further attempt; an attempt under way keeps its agent until its outcome is reported
    (or it times out). 409 once the callback is finished."""
    callback = require_visible_callback(session, callback_id, rows, for_update=True)
    check_if_match(if_match, callback.version)
    if callback.status in FINISHED:
        raise CallbackFinished(callback.id, callback.status)
    cancel_now(session, callback, utcnow())
    return to_detail(session, callback)


def cancel_now(
    session: Session, callback: Callback, now: datetime, reason: CancelReason | None = None
) -> None:
    """Cancel the unfinished (locked) `callback` and publish it; `reason` when the service, not a
    caller, cancels it."""
    in_progress = callback.attempts if callback.status == "in_progress" else None
    _set(
        callback,
        now,
        status="cancelled",
        finished_at=now,
        next_attempt_at=None,
        cancel_reason=reason,
    )
    session.add(callback)
    add_event(
        session,
        Outbox,
        CallbackCancelled(
            callback_id=callback.id,
            attempts=callback.attempts,
            attempt_in_progress=in_progress,
            contact_id=callback.contact_id,
            cancelled_at=now,
            reason=reason,
        ),
        source=SOURCE,
        subject=str(callback.id),
    )


def _set(callback: Callback, now: datetime, **values: Any) -> None:
    for name, value in values.items():
        setattr(callback, name, value)
    callback.version += 1
    callback.updated_at = now


# --- attempts and outcomes ---------------------------------------------------------------------


def report_outcome(
    session: Session,
    callback_id: uuid.UUID,
    number: int,
    body: AttemptOutcome,
    settings: RoutingSettings,
) -> CallbackDetail:
    """The telephony platform's report on attempt `number`: connected completes the callback;
    anything else schedules a retry (after the delay for that attempt) or, after the last attempt,
    fails it. The agent is released (with wrap-up after a connected attempt)."""
    callback = repository.get(session, callback_id, for_update=True)
    if callback is None:
        raise CallbackNotFound(callback_id)
    attempt = repository.get_attempt(session, callback.id, number, for_update=True)
    if attempt is None:
        raise AttemptNotFound(callback.id, number)
    if attempt.outcome is not None:
        raise AttemptFinished(callback.id, number, attempt.outcome)
    if number != callback.attempts:
        raise AttemptNotCurrent(callback.id, number, callback.attempts)
    now = utcnow()
    finish_attempt(session, callback, attempt, body.outcome, body.duration_seconds, settings, now)
    if body.outcome != "connected":  # the agent is free at once: waiting calls first
        dispatch.dispatch_waiting(session, settings, now)
    return to_detail(session, callback)


def retry_delay(settings: RoutingSettings, attempts_made: int) -> timedelta:
    """The wait after attempt `attempts_made` (1..) before the next; the last delay repeats."""
    delays = settings.callback_retry_delays_seconds
    return timedelta(seconds=delays[min(attempts_made, len(delays)) - 1])


def finish_attempt(
    session: Session,
    callback: Callback,
    attempt: CallbackAttempt,
    outcome: Outcome,
    duration_seconds: float | None,
    settings: RoutingSettings,
    now: datetime,
) -> None:
    """Record `outcome`, free the agent and move the callback on (both rows locked by the caller)."""
    attempt.outcome, attempt.finished_at = outcome, now
    attempt.duration_seconds = duration_seconds
    session.add(attempt)
    wrap_up = dispatch.wrap_up_until(settings, now) if outcome == "connected" else None
    agents.release(session, attempt.agent_id, holder(attempt.id), now, wrap_up)
    if callback.status != "in_progress":  # cancelled meanwhile: only the attempt closes
        return
    subject = str(callback.id)
    if outcome == "connected":
        _set(callback, now, status="completed", finished_at=now)
        payload: Any = CallbackCompleted(
            callback_id=callback.id,
            attempt=attempt.number,
            agent_id=attempt.agent_id,
            contact_id=callback.contact_id,
            customer_number=callback.phone,
            category=callback.category,
            duration_seconds=duration_seconds,
            completed_at=now,
        )
    elif callback.attempts >= settings.callback_max_attempts:
        _set(callback, now, status="failed", finished_at=now)
        payload = CallbackFailed(
            callback_id=callback.id,
            attempts=callback.attempts,
            last_outcome=outcome,
            contact_id=callback.contact_id,
            customer_number=callback.phone,
            category=callback.category,
            failed_at=now,
        )
    else:
        next_at = now + retry_delay(settings, callback.attempts)
        if next_at >= callback.window_to:  # no further attempt fits in the window
            _expire(session, callback, now)
            return
        _set(callback, now, status="scheduled", next_attempt_at=next_at)
        payload = CallbackRescheduled(
            callback_id=callback.id,
            attempt=attempt.number,
            agent_id=attempt.agent_id,
            outcome=outcome,
            next_attempt_at=next_at,
        )
    session.add(callback)
    add_event(session, Outbox, payload, source=SOURCE, subject=subject)


def _expire(session: Session, callback: Callback, now: datetime) -> None:
    _set(callback, now, status="expired", finished_at=now, next_attempt_at=None)
    session.add(callback)
    add_event(
        session,
        Outbox,
        CallbackExpired(
            callback_id=callback.id,
            attempts=callback.attempts,
            contact_id=callback.contact_id,
            customer_number=callback.phone,
            category=callback.category,
            expired_at=now,
        ),
        source=SOURCE,
        subject=str(callback.id),
    )


# --- the due sweep -----------------------------------------------------------------------------

Claimed = Literal["started", "agent_taken", "callback_taken"]


def start_attempt(session: Session, callback: Callback, agent: Agent, now: datetime) -> Claimed:
    """Claim the scheduled `callback` and the free `agent` together, record the attempt and emit
    the decision `routing.callback.connect.v1`; nothing changes unless both are claimed."""
    attempt_id = new_id()
    if not repository.claim(session, callback, agent.id, now):
        return "callback_taken"
    if not agents.claim_unlocked(session, agent.id, holder(attempt_id), now):
        repository.unclaim(session, callback)
        return "agent_taken"
    written: dict[str, Any] = {
        "status": "in_progress",
        "attempts": callback.attempts + 1,
        "agent_id": agent.id,
        "next_attempt_at": None,
        "version": callback.version + 1,
        "updated_at": now,
    }
    for name, value in written.items():
        set_committed_value(callback, name, value)
    for name, value in {
        "current_call_id": holder(attempt_id),
        "wrap_up_until": None,
        "updated_at": now,
    }.items():
        set_committed_value(agent, name, value)
    attempt = CallbackAttempt(
        id=attempt_id,
        callback_id=callback.id,
        number=callback.attempts,
        agent_id=agent.id,
        extension=agent.extension,
        started_at=now,
    )
    session.add(attempt)
    session.flush()  # the unique (callback_id, number) is the backstop of the claim
    add_event(
        session,
        Outbox,
        CallbackConnect(
            callback_id=callback.id,
            attempt=attempt.number,
            agent_id=agent.id,
            extension=agent.extension,
            customer_number=callback.phone,
            contact_id=callback.contact_id,
            category=callback.category,
            note=callback.note,
            started_at=now,
            purpose=cast(CallbackPurpose, callback.purpose),
        ),
        source=SOURCE,
        subject=str(callback.id),
    )
    return "started"


def route(
    session: Session, callback: Callback, settings: RoutingSettings, now: datetime
) -> Agent | None:
    """The agent who makes the due `callback`'s next attempt now (claimed), or None: nobody
    suitable is free and it stays scheduled for the next sweep."""
    due_at = callback.next_attempt_at or now
    widened = choice.is_widened(due_at, now, settings.widen_after_seconds)
    caller = choice.Caller(tuple(callback.preferred_agent_ids), callback.category)
    outcomes = {"started": True, "callback_taken": None}

    def take(agent: Agent) -> bool | None:
        return outcomes.get(start_attempt(session, callback, agent, now), False)

    return dispatch.claim_best(session, caller, now, widened=widened, take=take)


@dataclass
class Sweep:
    """What one sweep did, by callback id."""

    started: list[uuid.UUID] = field(default_factory=list)
    expired: list[uuid.UUID] = field(default_factory=list)
    timed_out: list[uuid.UUID] = field(default_factory=list)
    cancelled: list[uuid.UUID] = field(default_factory=list)


def dispatch_due(session: Session, settings: RoutingSettings, now: datetime) -> Sweep:
    """One sweep in the caller's transaction: attempts without an outcome for longer than
    `callback_attempt_timeout_seconds` fail (their agents freed), callbacks whose window closed
    expire, and due callbacks are routed to free agents, the longest due first — except a
    marketing callback whose contact withdrew the consent it needs: that one is cancelled
    (`consent-withdrawn`), never dialled."""
    sweep = Sweep()
    batch = settings.callback_batch_size
    started_before = now - timedelta(seconds=settings.callback_attempt_timeout_seconds)
    for attempt, callback in repository.stuck_attempts(session, started_before, batch):
        finish_attempt(session, callback, attempt, "failed", None, settings, now)
        sweep.timed_out.append(callback.id)
    for callback in repository.window_passed(session, now, batch):
        _expire(session, callback, now)
        sweep.expired.append(callback.id)
    if not agents.available(session, now, anyone=True, limit=1):
        return sweep  # nobody is free: every due callback waits for the next sweep
    for callback in repository.due(session, now, batch):
        if not consented(session, callback):
            cancel_now(session, callback, now, "consent-withdrawn")
            sweep.cancelled.append(callback.id)
        elif route(session, callback, settings, now) is not None:
            sweep.started.append(callback.id)
    return sweep


def run_due(engine: Engine, settings: RoutingSettings) -> Sweep:
    """A sweep for the dispatcher's tick: a read first, and a write transaction only when there
    is something to do (no write lock every tick on SQLite)."""
    now = utcnow()
    started_before = now - timedelta(seconds=settings.callback_attempt_timeout_seconds)
    with open_session(engine, write=False) as reader:
        idle = not repository.anything_to_close(reader, now, started_before) and not (
            repository.any_due(reader, now) and agents.available(reader, now, anyone=True, limit=1)
        )
    if idle:
        return Sweep()
    with transaction(engine) as session:
        return dispatch_due(session, settings, utcnow())
