"""Rules of the agents' feed: what an agent is told (offers, assigned calls, chat activity), written
in the transaction of the change it reports, and read back as server-sent events."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from crm_common.db import transaction
from crm_common.errors import Forbidden
from crm_common.events.routing import CallAssigned
from crm_common.sse import Fetch, SseEvent
from crm_routing.access import RowScope, sees_agent
from crm_routing.agents import repository as agents
from crm_routing.agents.errors import AgentNotFound
from crm_routing.calls.links import screen_pop_url
from crm_routing.feed import repository
from crm_routing.feed.models import AgentFeedItem
from crm_routing.feed.schemas import (
    AmountSummary,
    CallAssignedItem,
    ContactSummary,
    FeedPage,
    WebOfferItem,
)
from crm_routing.readmodel import repository as known
from crm_routing.readmodel import service as readmodel
from crm_routing.web.models import PageView, WebSession

FEED_PAGES = 100
BATCH = 100


def notify(
    session: Session,
    agent_id: uuid.UUID,
    kind: str,
    data: BaseModel | dict[str, Any],
    *,
    locked: bool = False,
) -> AgentFeedItem | None:
    """Tell the agent `kind` with `data`, in the caller's transaction (None: no such agent).

    The agent's row lock is taken first unless the caller holds it (`locked`: it updated the
    agent's row): items of one agent are then numbered in commit order, so a feed reading
    `id > last` skips none."""
    if not locked and not repository.lock_agent(session, agent_id):
        return None
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    return repository.add(session, agent_id, kind, payload)


def contact_summary(session: Session, contact_id: uuid.UUID | None) -> ContactSummary | None:
    """What the read models know of the contact (the survivor of a merge), or None."""
    profile = readmodel.caller_by_id(session, contact_id)
    contact = profile.contact
    if contact is None:
        return None
    return ContactSummary(
        id=contact.id,
        name=contact.name,
        owner_id=contact.owner_id,
        lifecycle_stage=contact.lifecycle_stage,
        total_spent=[
            AmountSummary(amount=_cents(amount), currency=currency)
            for currency, amount in sorted(profile.total_spent.items())
        ],
        categories_bought=dict(sorted(profile.categories_bought.items())),
        open_orders=len(profile.open_orders),
        open_opportunities=len(profile.open_opportunities),
    )


def _cents(value: Decimal) -> Decimal:
    """To the cent, unless finer digits were given (the read model stores four decimals)."""
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value.normalize()


def web_offer(
    session: Session,
    web: WebSession,
    offer_type: str,
    agent_id: uuid.UUID,
    views: Sequence[PageView],
    now: datetime,
) -> None:
    """The agent is offered the engaged session: its pages and, when known, the contact (call it
    after the offer took the agent's row lock)."""
    item = WebOfferItem(
        offer_type="chat" if offer_type == "chat" else "callback",
        session_id=web.session_id,
        visitor_id=web.visitor_id,
        category=web.category,
        rule=web.engaged_by,
        page_views=web.page_views,
        pages=[
            FeedPage(url=v.url, category=v.category, title=v.title, occurred_at=v.occurred_at)
            for v in views[-FEED_PAGES:]
        ],
        contact=contact_summary(session, web.contact_id),
        offered_at=now,
    )
    notify(session, agent_id, "web.offer", item, locked=True)  # the offer locked the agent


def call_assigned(session: Session, assigned: CallAssigned) -> None:
    """The agent is given a call (call it with the `routing.call.assigned` payload it adds, after
    claiming the agent's row). The screen pop has the caller's history; the item names them."""
    contact = (
        None if assigned.contact_id is None else known.get_contact(session, assigned.contact_id)
    )
    item = CallAssignedItem(
        call_id=assigned.call_id,
        from_number=assigned.from_number,
        category=assigned.category,
        contact_id=assigned.contact_id,
        contact_name=None if contact is None else contact.name,
        screen_pop_url=screen_pop_url(assigned.call_id),
        queued_seconds=assigned.queued_seconds,
        assigned_at=assigned.assigned_at,
    )
    notify(session, assigned.agent_id, "call.assigned", item, locked=True)


def require_agent(session: Session, agent_id: uuid.UUID, rows: RowScope) -> None:
    """404 for an unknown agent; 403 for a feed outside the caller's rows (in scoped mode a
    manager follows its own agent's and its team's agents' feeds)."""
    agent = agents.get(session, agent_id)
    if agent is None:
        raise AgentNotFound(agent_id)
    if not sees_agent(rows, agent.id, agent.team):
        raise Forbidden(
            f"Agent {agent_id} is not in this key's team: its feed is not yours to read."
        )


def fetcher(engine: Engine, agent_id: uuid.UUID) -> Fetch:
    """`fetch(after)` of the agent's feed for `crm_common.sse.sse_stream`: a short read each time."""

    def fetch(after: int) -> list[SseEvent]:
        with transaction(engine, write=False) as session:
            items = repository.items_after(session, agent_id, after, BATCH)
            return [(item.id or 0, item.kind, _frame(item)) for item in items]

    return fetch


def _frame(item: AgentFeedItem) -> dict[str, Any]:
    return {"kind": item.kind, "created_at": item.created_at.isoformat(), **item.data}
