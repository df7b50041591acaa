"""Every query of data rights: a contact's records across calls, callbacks, chats, web sessions,
the agents' feed and the outbox.

A contact's records are those linked to it (or to a contact merged into it), and those not linked
to anybody that carry one of its numbers (calls, callbacks) or devices (web sessions). Erasure is
rare: these reads are not built once, and the feed and outbox are searched without an index of
their own (by feed kind and JSON field, by event type and key).
"""

import uuid
from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import CursorResult, and_, or_, update
from sqlmodel import Session, col, select

from crm_common.db import table_of
from crm_common.outbox import OutboxRecordBase
from crm_routing.callbacks.models import Callback
from crm_routing.calls.models import Call
from crm_routing.chats.models import Chat, ChatMessage
from crm_routing.db import Outbox
from crm_routing.feed.models import AgentFeedItem
from crm_routing.privacy.anonymise import ERASED
from crm_routing.web.models import WebSession, WebVisitor

# The outbox's events of each kind of record start with these types; their key is the record's id.
CALL_EVENTS, CALLBACK_EVENTS = "routing.call.", "routing.callback."
SESSION_EVENTS, CHAT_EVENTS = "routing.web_session.", "routing.chat."


def calls_of(
    session: Session,
    contact_ids: Collection[uuid.UUID],
    numbers: Collection[str],
    *,
    for_update: bool = False,
) -> list[Call]:
    stmt = (
        select(Call)
        .where(
            or_(
                col(Call.contact_id).in_(contact_ids),
                and_(col(Call.contact_id).is_(None), col(Call.from_number).in_(numbers)),
            )
        )
        .order_by(col(Call.started_at), col(Call.call_id))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.exec(stmt).all())


def callbacks_of(
    session: Session,
    contact_ids: Collection[uuid.UUID],
    numbers: Collection[str],
    *,
    for_update: bool = False,
) -> list[Callback]:
    stmt = (
        select(Callback)
        .where(
            or_(
                col(Callback.contact_id).in_(contact_ids),
                and_(col(Callback.contact_id).is_(None), col(Callback.phone).in_(numbers)),
            )
        )
        .order_by(col(Callback.created_at), col(Callback.id))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.exec(stmt).all())


def devices_of(session: Session, contact_ids: Collection[uuid.UUID]) -> list[WebVisitor]:
    """The web visitors (devices) last seen with one of `contact_ids`."""
    stmt = (
        select(WebVisitor)
        .where(col(WebVisitor.contact_id).in_(contact_ids))
        .order_by(col(WebVisitor.first_seen_at), col(WebVisitor.visitor_id))
    )
    return list(session.exec(stmt).all())


def sessions_of(
    session: Session,
    contact_ids: Collection[uuid.UUID],
    visitor_ids: Collection[str],
    *,
    for_update: bool = False,
) -> list[WebSession]:
    """Sessions of `contact_ids`, and sessions nobody signed in to on one of their devices."""
    stmt = (
        select(WebSession)
        .where(
            or_(
                col(WebSession.contact_id).in_(contact_ids),
                and_(
                    col(WebSession.contact_id).is_(None),
                    col(WebSession.visitor_id).in_(visitor_ids),
                ),
            )
        )
        .order_by(col(WebSession.first_page_at), col(WebSession.session_id))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.exec(stmt).all())


def chats_of(
    session: Session,
    contact_ids: Collection[uuid.UUID],
    session_ids: Collection[str],
    *,
    for_update: bool = False,
) -> list[Chat]:
    stmt = (
        select(Chat)
        .where(or_(col(Chat.contact_id).in_(contact_ids), col(Chat.session_id).in_(session_ids)))
        .order_by(col(Chat.opened_at), col(Chat.id))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.exec(stmt).all())


def messages_of(session: Session, chat_ids: Collection[uuid.UUID]) -> list[ChatMessage]:
    stmt = (
        select(ChatMessage)
        .where(col(ChatMessage.chat_id).in_(chat_ids))
        .order_by(col(ChatMessage.chat_id), col(ChatMessage.id))
    )
    return list(session.exec(stmt).all())


def erase_messages(session: Session, chat_ids: Collection[uuid.UUID]) -> int:
    """Every message of `chat_ids` reads ERASED; the messages changed."""
    stmt = (
        update(ChatMessage)
        .where(col(ChatMessage.chat_id).in_(chat_ids))
        .values(text=ERASED)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], session.execute(stmt)).rowcount


def feed_items_about(
    session: Session,
    call_ids: Collection[str],
    session_ids: Collection[str],
    chat_ids: Collection[uuid.UUID],
) -> list[AgentFeedItem]:
    """The agents' feed items that tell of these calls, web sessions or chats."""
    data = table_of(AgentFeedItem).c.data
    kind = col(AgentFeedItem.kind)
    stmt = (
        select(AgentFeedItem)
        .where(
            or_(
                and_(kind == "call.assigned", data["call_id"].as_string().in_(call_ids)),
                and_(kind == "web.offer", data["session_id"].as_string().in_(session_ids)),
                and_(
                    kind.startswith("chat."),
                    data["chat_id"].as_string().in_([str(i) for i in chat_ids]),
                ),
            )
        )
        .order_by(col(AgentFeedItem.id))
        .with_for_update()
    )
    return list(session.exec(stmt).all())


def outbox_rows_about(
    session: Session, keys_by_type_prefix: dict[str, list[str]]
) -> list[OutboxRecordBase]:
    """The outbox rows whose event type starts with a prefix and whose key is one of its keys."""
    conditions = [
        and_(col(Outbox.event_type).startswith(prefix, autoescape=True), col(Outbox.key).in_(keys))
        for prefix, keys in keys_by_type_prefix.items()
    ]
    stmt = select(Outbox).where(or_(*conditions)).order_by(col(Outbox.seq)).with_for_update()
    return list(session.exec(stmt).all())
