"""Rules of calls: the routing decision for a ringing call, and every later event in order."""

from decimal import Decimal

from sqlmodel import Session

from crm_common.db import utcnow
from crm_common.errors import FieldError
from crm_common.events.routing import CallAbandoned, CallEnded
from crm_common.outbox import add_event
from crm_routing.access import RowScope
from crm_routing.agents import repository as agents
from crm_routing.agents.models import Agent
from crm_routing.calls import choice, dispatch
from crm_routing.calls import repository as calls
from crm_routing.calls.errors import (
    AgentUnavailable,
    CallExists,
    CallNotFound,
    EventOutOfOrder,
    InvalidCallEvent,
)
from crm_routing.calls.links import screen_pop_url
from crm_routing.calls.models import Call
from crm_routing.calls.schemas import (
    AmountRead,
    CallAnswer,
    CallerRead,
    CallEvent,
    CallRead,
    OpportunitySummary,
    OrderSummary,
    ScreenPop,
)
from crm_routing.config import RoutingSettings
from crm_routing.db import SOURCE, Outbox
from crm_routing.readmodel import service as readmodel
from crm_routing.readmodel.models import CustomerOrder
from crm_routing.validation import caller_number, e164

FINISHED = ("ended", "abandoned")


def to_read(session: Session, call: Call) -> CallRead:
    return CallRead(
        call_id=call.call_id,
        status=call.status,
        from_number=call.from_number,
        to_number=call.to_number,
        category=call.category,
        contact_id=call.contact_id,
        agent_id=call.agent_id,
        priority=call.priority,
        position=calls.position(session, call) if call.status == "queued" else None,
        transfers=call.transfers,
        started_at=call.started_at,
        queued_at=call.queued_at,
        assigned_at=call.assigned_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        version=call.version,
    )


def require_visible_call(session: Session, call_id: str, rows: RowScope) -> Call:
    """The call, when the caller's rows hold it; 404 otherwise (whether or not it exists)."""
    call = calls.get_visible(session, call_id, rows)
    if call is None:
        raise CallNotFound(call_id)
    return call


def get_call(session: Session, call_id: str, rows: RowScope) -> CallRead:
    return to_read(session, require_visible_call(session, call_id, rows))


def _numbers(event: CallEvent, region: str) -> tuple[str | None, str | None]:
    errors: list[FieldError] = []
    caller = dialled = None
    try:
        caller = caller_number(event.from_, region)
    except ValueError as exc:
        errors.append(FieldError(field="body.from", message=str(exc), code="invalid_phone"))
    if event.to is not None:
        try:
            dialled = e164(event.to, region)
        except ValueError as exc:
            errors.append(FieldError(field="body.to", message=str(exc), code="invalid_phone"))
    if errors:
        raise InvalidCallEvent(errors)
    return caller, dialled


def _connect(call: Call, agent: Agent) -> CallAnswer:
    return CallAnswer(
        call_id=call.call_id,
        status="assigned",
        action="connect",
        agent_id=agent.id,
        extension=agent.extension,
        screen_pop_url=screen_pop_url(call.call_id),
    )


def _queue(session: Session, call: Call, settings: RoutingSettings) -> CallAnswer:
    position = calls.position(session, call)
    return CallAnswer(
        call_id=call.call_id,
        status="queued",
        action="queue",
        position=position,
        expected_wait_seconds=choice.expected_wait_seconds(
            position, agents.on_shift(session), settings.expected_handle_seconds
        ),
    )


def _none(call: Call) -> CallAnswer:
    return CallAnswer(
        call_id=call.call_id,
        status=call.status,
        action="none",
        agent_id=call.agent_id,
    )


def ringing(session: Session, event: CallEvent, settings: RoutingSettings) -> CallAnswer:
    """Recognise the caller, then connect them to who knows them or the best free expert, or
    queue them by priority. Waiting calls get the free agents first."""
    existing = calls.get(session, event.call_id)
    if existing is not None:
        raise CallExists(event.call_id, existing.status)
    caller, dialled = _numbers(event, settings.default_region)
    now = utcnow()
    dispatch.dispatch_waiting(session, settings, now)
    profile = readmodel.caller_by_phone(session, caller, opportunities=False)
    contact = profile.contact
    preferred: list[str] = []
    if contact is not None and contact.owner_id:
        preferred.append(contact.owner_id)
    last = calls.last_agent(session, contact.id if contact else None, caller)
    if last is not None and str(last) not in preferred:
        preferred.append(str(last))
    category = (
        event.category
        or (settings.dialled_categories.get(dialled) if dialled else None)
        or choice.history_category(profile.categories_bought)
    )
    rules = choice.PriorityRules(
        settings.lifecycle_priority, settings.vip_total_spent, settings.vip_priority
    )
    call = Call(
        call_id=event.call_id,
        status="queued",
        from_number=caller,
        to_number=dialled,
        category=category,
        contact_id=contact.id if contact else None,
        preferred_agent_ids=preferred,
        priority=choice.priority(
            contact.lifecycle_stage if contact else None, profile.spent(), rules
        ),
        started_at=now,
        queued_at=now,
        updated_at=now,
    )
    session.add(call)
    session.flush()  # a second ringing of this call id at the same time fails here (409)
    agent = dispatch.route(session, call, now)
    if agent is not None:
        return _connect(call, agent)
    return _queue(session, call, settings)


def _finish_agent(
    session: Session, call: Call, settings: RoutingSettings, *, wrap_up: bool
) -> None:
    if call.agent_id is None:
        return
    now = utcnow()
    until = dispatch.wrap_up_until(settings, now) if wrap_up else None
    agents.release(session, call.agent_id, call.call_id, now, until)


def answered(session: Session, call: Call) -> CallAnswer:
    if call.status == "answered":
        raise EventOutOfOrder(call.call_id, "answered", call.status, "It was answered already.")
    if call.status != "assigned":
        hint = "Only a call assigned to an agent can be answered."
        raise EventOutOfOrder(call.call_id, "answered", call.status, hint)
    now = utcnow()
    call.status, call.answered_at = "answered", now
    call.version, call.updated_at = call.version + 1, now
    session.add(call)
    return _none(call)


def ended(session: Session, call: Call, settings: RoutingSettings) -> CallAnswer:
    if call.status != "answered":
        hint = "Report abandoned for a call nobody answered."
        if call.status in FINISHED:
            hint = "It is over already."
        raise EventOutOfOrder(call.call_id, "ended", call.status, hint)
    now = utcnow()
    assert call.agent_id is not None and call.answered_at is not None
    _finish_agent(session, call, settings, wrap_up=True)
    call.status, call.ended_at = "ended", now
    call.version, call.updated_at = call.version + 1, now
    session.add(call)
    add_event(
        session,
        Outbox,
        CallEnded(
            call_id=call.call_id,
            agent_id=call.agent_id,
            contact_id=call.contact_id,
            from_number=call.from_number,
            category=call.category,
            started_at=call.started_at,
            answered_at=call.answered_at,
            ended_at=now,
            wait_seconds=(call.answered_at - call.started_at).total_seconds(),
            duration_seconds=(now - call.answered_at).total_seconds(),
        ),
        source=SOURCE,
        subject=call.call_id,
    )
    dispatch.dispatch_waiting(session, settings, now)
    return _none(call)


def abandoned(session: Session, call: Call, settings: RoutingSettings) -> CallAnswer:
    if call.status not in ("queued", "assigned"):
        hint = (
            "Report ended for an answered call."
            if call.status == "answered"
            else "It is over already."
        )
        raise EventOutOfOrder(call.call_id, "abandoned", call.status, hint)
    now = utcnow()
    _finish_agent(session, call, settings, wrap_up=False)
    call.status, call.ended_at = "abandoned", now
    call.version, call.updated_at = call.version + 1, now
    session.add(call)
    add_event(
        session,
        Outbox,
        CallAbandoned(
            call_id=call.call_id,
            contact_id=call.contact_id,
            from_number=call.from_number,
            category=call.category,
            agent_id=call.agent_id,
            started_at=call.started_at,
            abandoned_at=now,
            wait_seconds=(now - call.started_at).total_seconds(),
        ),
        source=SOURCE,
        subject=call.call_id,
    )
    dispatch.dispatch_waiting(session, settings, now)
    return _none(call)


def transferred(
    session: Session, call: Call, event: CallEvent, settings: RoutingSettings
) -> CallAnswer:
    """To `to_agent_id` when that agent is free (409 otherwise), else back into the queue."""
    if call.status not in ("assigned", "answered"):
        hint = "Only a call with an agent can be transferred."
        raise EventOutOfOrder(call.call_id, "transferred", call.status, hint)
    target: Agent | None = None
    if event.to_agent_id is not None:
        target = agents.get(session, event.to_agent_id)
        if target is None:
            raise InvalidCallEvent(
                [
                    FieldError(
                        field="body.to_agent_id", message="no such agent", code="unknown_agent"
                    )
                ]
            )
        if target.id == call.agent_id:
            raise AgentUnavailable(f"Call {call.call_id} is with agent {target.id} already.")
    now = utcnow()
    _finish_agent(session, call, settings, wrap_up=call.status == "answered")
    call.status, call.agent_id, call.assigned_at, call.answered_at = "queued", None, None, None
    call.transfers += 1
    call.version, call.updated_at = call.version + 1, now
    session.add(call)
    session.flush()
    if target is not None:
        if not dispatch.assign(session, call, target, now):
            raise AgentUnavailable(f"Agent {target.id} cannot take a call now.")
        return _connect(call, target)
    agent = dispatch.route(session, call, now, widened=True)
    if agent is not None:
        return _connect(call, agent)
    return _queue(session, call, settings)


def handle_event(session: Session, event: CallEvent, settings: RoutingSettings) -> CallAnswer:
    """Apply one telephony event; out of order → 409, unknown call → 404, bad numbers → 422."""
    if event.event == "ringing":
        return ringing(session, event, settings)
    call = calls.get(session, event.call_id, for_update=True)
    if call is None:
        raise CallNotFound(event.call_id)
    if event.event == "answered":
        return answered(session, call)
    if event.event == "ended":
        return ended(session, call, settings)
    if event.event == "abandoned":
        return abandoned(session, call, settings)
    return transferred(session, call, event, settings)


def _order(order: CustomerOrder) -> OrderSummary:
    return OrderSummary(
        id=order.id,
        number=order.number,
        status=order.status,
        total=_money(order.total),
        currency=order.currency,
        categories=order.categories,
    )


def _money(value: Decimal) -> Decimal:
    """An amount as the orders service wrote it: to the cent, unless it carries finer digits (the
    read model stores four decimals)."""
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value.normalize()


def screen_pop(session: Session, call_id: str, rows: RowScope) -> ScreenPop:
    """Who is calling and what they bought, from the read models."""
    call = require_visible_call(session, call_id, rows)
    profile = readmodel.caller_by_id(session, call.contact_id)
    contact = profile.contact
    value: dict[str, Decimal] = {}
    for opportunity in profile.open_opportunities:
        if opportunity.amount is not None and opportunity.currency is not None:
            value[opportunity.currency] = (
                value.get(opportunity.currency, Decimal("0")) + opportunity.amount
            )
    return ScreenPop(
        call_id=call.call_id,
        status=call.status,
        agent_id=call.agent_id,
        category=call.category,
        caller=CallerRead(
            number=call.from_number,
            contact_id=contact.id if contact else None,
            name=contact.name if contact else None,
            owner_id=contact.owner_id if contact else None,
            lifecycle_stage=contact.lifecycle_stage if contact else None,
        ),
        total_spent=[
            AmountRead(amount=_money(a), currency=c) for c, a in sorted(profile.total_spent.items())
        ],
        categories_bought=dict(sorted(profile.categories_bought.items())),
        open_orders=[_order(o) for o in profile.open_orders],
        recent_orders=[_order(o) for o in profile.orders[:10]],
        open_opportunities=[
            OpportunitySummary(
                id=o.id,
                title=o.title,
                stage=o.stage,
                amount=None if o.amount is None else _money(o.amount),
                currency=o.currency,
            )
            for o in profile.open_opportunities
        ],
        open_opportunity_value=[
            AmountRead(amount=_money(a), currency=c) for c, a in sorted(value.items())
        ],
    )
