"""Rules of chats: accepting a session's chat offer opens a chat with the offered agent (once per
session), visitor and agent write messages while it is open, and closing it frees the agent's place
and publishes the transcript."""

import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import transaction, utcnow
from crm_common.events.routing import ChatClosed as ChatClosedEvent
from crm_common.events.routing import ChatLine, ChatOpened
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_common.sse import Fetch, SseEvent
from crm_routing.access import RowScope
from crm_routing.agents import repository as agents
from crm_routing.chats import repository
from crm_routing.chats.errors import (
    AuthorNotAllowed,
    ChatAgentUnavailable,
    ChatClosed,
    ChatNotFound,
    ChatOfferExpired,
    NoChatOffer,
    SessionChatClosed,
)
from crm_routing.chats.models import Chat, ChatMessage
from crm_routing.chats.schemas import Author, ChatRead, MessageCreate, MessageRead
from crm_routing.config import RoutingSettings
from crm_routing.db import SOURCE, Outbox
from crm_routing.feed import service as feed
from crm_routing.web.service import require_visible_session

# The transcript published with routing.chat.closed: messages from the start, up to these bounds.
TRANSCRIPT_MESSAGES = 200
TRANSCRIPT_CHARACTERS = 100_000
STREAM_BATCH = 100


def to_read(chat: Chat) -> ChatRead:
    return ChatRead(
        id=chat.id,
        session_id=chat.session_id,
        agent_id=chat.agent_id,
        contact_id=chat.contact_id,
        visitor_id=chat.visitor_id,
        status=cast(Any, chat.status),
        opened_at=chat.opened_at,
        closed_at=chat.closed_at,
        closed_by=cast(Any, chat.closed_by),
        version=chat.version,
    )


def message_read(message: ChatMessage) -> MessageRead:
    assert message.id is not None
    return MessageRead(
        id=message.id,
        chat_id=message.chat_id,
        author=cast(Author, message.author),
        text=message.text,
        sent_at=message.sent_at,
    )


def accept_offer(
    session: Session, session_id: str, rows: RowScope, settings: RoutingSettings
) -> tuple[ChatRead, bool]:
    """The visitor accepts the session's chat offer: (the chat, True) when this opened it, (the
    open chat, False) when it was open already (a retried accept)."""
    web = require_visible_session(session, session_id, rows, for_update=True)
    existing = repository.of_session(session, session_id)
    if existing is not None:
        return _already(existing, session_id)
    if web.offer_type != "chat" or web.offer_agent_id is None or web.offered_at is None:
        raise NoChatOffer(session_id, web.offer_type)
    now = utcnow()
    if web.offered_at + timedelta(seconds=settings.chat_offer_seconds) < now:
        raise ChatOfferExpired(session_id, settings.chat_offer_seconds)
    agent = agents.get(session, web.offer_agent_id, for_update=True)
    if agent is None:
        raise ChatAgentUnavailable(web.offer_agent_id)
    chat = Chat(
        session_id=session_id,
        agent_id=agent.id,
        contact_id=web.contact_id,
        visitor_id=web.visitor_id,
        opened_at=now,
    )
    try:
        with session.begin_nested():
            session.add(chat)
    except IntegrityError:  # accepted meanwhile by a concurrent request
        existing = repository.of_session(session, session_id)
        assert existing is not None
        return _already(existing, session_id)
    agents.count_open_chat(session, agent.id, 1)
    add_event(
        session,
        Outbox,
        ChatOpened(
            chat_id=chat.id,
            agent_id=chat.agent_id,
            contact_id=chat.contact_id,
            session_id=session_id,
            visitor_id=chat.visitor_id,
            opened_at=now,
        ),
        source=SOURCE,
        subject=str(chat.id),
    )
    feed.notify(
        session,
        chat.agent_id,
        "chat.opened",
        {
            "chat_id": str(chat.id),
            "session_id": session_id,
            "visitor_id": chat.visitor_id,
            "contact": _contact(session, chat.contact_id),
        },
    )
    return to_read(chat), True


def _already(chat: Chat, session_id: str) -> tuple[ChatRead, bool]:
    if chat.status != "open":
        raise SessionChatClosed(session_id, chat.id)
    return to_read(chat), False


def _contact(session: Session, contact_id: uuid.UUID | None) -> dict[str, Any] | None:
    summary = feed.contact_summary(session, contact_id)
    return None if summary is None else summary.model_dump(mode="json")


def require_visible_chat(
    session: Session, chat_id: uuid.UUID, rows: RowScope, *, for_update: bool = False
) -> Chat:
    """The chat, when the caller's rows hold it (a website: every chat); 404 otherwise, whether
    or not it exists."""
    chat = repository.get(session, chat_id, for_update=for_update, rows=rows)
    if chat is None:
        raise ChatNotFound(chat_id)
    return chat


def get_chat(session: Session, chat_id: uuid.UUID, rows: RowScope) -> ChatRead:
    return to_read(require_visible_chat(session, chat_id, rows))


def authors_of(principal: Principal) -> frozenset[str]:
    """Whom a caller may write as: a `website` key as the visitor, staff as the agent."""
    authors = set()
    if "website" in principal.roles:
        authors.add("visitor")
    if principal.is_staff:
        authors.add("agent")
    return frozenset(authors)


def closer_of(principal: Principal) -> Author:
    return "agent" if principal.is_staff else "visitor"


def post_message(
    session: Session,
    chat_id: uuid.UUID,
    data: MessageCreate,
    principal: Principal,
    rows: RowScope,
) -> MessageRead:
    """Add a message to the open chat (under the chat's row lock: ids in commit order); the
    visitor's messages also reach the agent's feed."""
    if data.author not in authors_of(principal):
        raise AuthorNotAllowed(data.author)
    chat = require_visible_chat(session, chat_id, rows, for_update=True)
    if chat.status != "open":
        raise ChatClosed(chat_id)
    message = repository.add_message(session, chat.id, data.author, data.text)
    read = message_read(message)
    if data.author == "visitor":
        feed.notify(
            session,
            chat.agent_id,
            "chat.message",
            {"chat_id": str(chat.id), **read.model_dump(mode="json", exclude={"chat_id"})},
        )
    return read


def list_messages(
    session: Session, chat_id: uuid.UUID, rows: RowScope, limit: int, cursor: str | None
) -> Paged[MessageRead]:
    require_visible_chat(session, chat_id, rows)
    messages, next_cursor = repository.messages_page(session, chat_id, limit, cursor)
    return [message_read(m) for m in messages], next_cursor


def close_chat(
    session: Session,
    chat_id: uuid.UUID,
    principal: Principal,
    rows: RowScope,
    if_match: str | None,
) -> ChatRead:
    """Close the open chat: its agent's place is free again, and routing.chat.closed carries the
    transcript (honours If-Match)."""
    chat = require_visible_chat(session, chat_id, rows, for_update=True)
    check_if_match(if_match, chat.version)
    if chat.status != "open":
        raise ChatClosed(chat_id)
    close(session, chat, closer_of(principal), utcnow())
    return to_read(chat)


def close(session: Session, chat: Chat, closed_by: Author | None, now: datetime) -> None:
    """Close the open `chat` (locked by the caller): its agent's place is free again, and
    routing.chat.closed carries the transcript. `closed_by` None: routing closed it (an erasure)."""
    chat.status, chat.closed_at, chat.closed_by = "closed", now, closed_by
    chat.version += 1
    session.add(chat)
    session.flush()
    agents.count_open_chat(session, chat.agent_id, -1)
    transcript, count, truncated = _transcript(session, chat.id)
    add_event(
        session,
        Outbox,
        ChatClosedEvent(
            chat_id=chat.id,
            agent_id=chat.agent_id,
            contact_id=chat.contact_id,
            session_id=chat.session_id,
            visitor_id=chat.visitor_id,
            opened_at=chat.opened_at,
            closed_at=now,
            closed_by=closed_by,
            message_count=count,
            transcript=transcript,
            transcript_truncated=truncated,
        ),
        source=SOURCE,
        subject=str(chat.id),
    )
    feed.notify(
        session,
        chat.agent_id,
        "chat.closed",
        {"chat_id": str(chat.id), "closed_by": closed_by, "closed_at": now.isoformat()},
    )


def _transcript(session: Session, chat_id: uuid.UUID) -> tuple[list[ChatLine], int, bool]:
    """The chat's lines from the start within the bounds, the number of messages, and whether
    some were left out."""
    lines: list[ChatLine] = []
    characters, count, truncated, after = 0, 0, False, 0
    while True:
        batch = repository.messages_after(session, chat_id, after, 500)
        for message in batch:
            count += 1
            characters += len(message.text)
            if len(lines) < TRANSCRIPT_MESSAGES and characters <= TRANSCRIPT_CHARACTERS:
                lines.append(
                    ChatLine(
                        author=cast(Author, message.author),
                        text=message.text,
                        sent_at=message.sent_at,
                    )
                )
            else:
                truncated = True
        if len(batch) < 500:
            return lines, count, truncated
        after = batch[-1].id or after


def fetcher(engine: Engine, chat_id: uuid.UUID) -> Fetch:
    """`fetch(after)` of the chat's stream: its messages, then a `closed` event once it closed.

    The chat's status is read before its messages: messages are written only while it is open, so
    when it reads closed every message is already visible and none is missed."""

    def fetch(after: int) -> list[SseEvent]:
        with transaction(engine, write=False) as session:
            chat = repository.get(session, chat_id)
            if chat is None:
                return []
            closed = chat.status == "closed"
            messages = repository.messages_after(session, chat_id, after, STREAM_BATCH)
            events: list[SseEvent] = [
                (m.id or 0, "message", message_read(m).model_dump(mode="json")) for m in messages
            ]
            if closed and len(messages) < STREAM_BATCH:
                last = max([after, *(m.id or 0 for m in messages)])
                events.append((last, "closed", to_read(chat).model_dump(mode="json")))
            return events

    return fetch
