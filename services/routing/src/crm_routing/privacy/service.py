"""Rules of data rights: the export of what routing holds about a contact, and its erasure.

A contact's records are those of the contact and of every contact merged into it (`family`), plus
unlinked calls and callbacks on its numbers and unlinked web sessions of its devices. Erasure
deletes the read models' rows, cancels open callbacks (`contact-erased`), anonymises the rest in
place (`anonymise`), also the agents' feed and the outbox's payloads (a re-send after a broker
restart carries nobody), then records the erasure and confirms it with
`routing.erasure.completed.v1`: all in the consumer's transaction, once per request.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import utcnow
from crm_common.errors import Forbidden
from crm_common.events.contacts import ContactErased
from crm_common.events.envelope import CloudEvent
from crm_common.events.routing import ErasureCompleted
from crm_common.outbox import add_event
from crm_routing.callbacks import repository as callbacks_repository
from crm_routing.callbacks import service as callbacks_service
from crm_routing.callbacks.models import Callback
from crm_routing.callbacks.schemas import FINISHED
from crm_routing.calls.models import Call
from crm_routing.chats import service as chats_service
from crm_routing.chats.models import Chat
from crm_routing.db import SOURCE, Outbox
from crm_routing.privacy import repository
from crm_routing.privacy.anonymise import ERASED, anonymised_payload, stripped_url
from crm_routing.privacy.schemas import (
    ContactExport,
    ExportedAttempt,
    ExportedCall,
    ExportedCallback,
    ExportedChat,
    ExportedConsent,
    ExportedContact,
    ExportedDevice,
    ExportedMessage,
    ExportedOpportunity,
    ExportedOrder,
    ExportedPage,
    ExportedWebSession,
    RoutingData,
)
from crm_routing.readmodel import repository as known
from crm_routing.readmodel import service as readmodel
from crm_routing.readmodel.models import ErasedContact
from crm_routing.web import repository as web
from crm_routing.web.models import WebSession

# --- export ------------------------------------------------------------------------------------


def require_access(principal: Principal, contact_id: uuid.UUID) -> None:
    """Admins export anyone; a customer only themselves (403 otherwise)."""
    if "admin" in principal.roles:
        return
    if principal.is_customer and principal.contact_id == str(contact_id):
        return
    raise Forbidden("A customer exports only their own data.")


def export(session: Session, contact_id: uuid.UUID, principal: Principal) -> ContactExport:
    """Everything routing holds about the contact (empty sections when it holds nothing)."""
    require_access(principal, contact_id)
    ids = readmodel.family(session, contact_id)
    numbers = known.numbers_of(session, ids)
    devices = repository.devices_of(session, ids)
    webs = repository.sessions_of(session, ids, [d.visitor_id for d in devices])
    chats = repository.chats_of(session, ids, [w.session_id for w in webs])
    messages = repository.messages_of(session, [c.id for c in chats])
    pages = web.pages_of_sessions(session, [w.session_id for w in webs])
    data = RoutingData(
        contacts=[
            ExportedContact(
                id=c.id,
                name=c.name,
                lifecycle_stage=c.lifecycle_stage,
                merged_into_id=c.merged_into_id,
                phones=known.numbers_of(session, [c.id]),
            )
            for c in known.contacts_of(session, ids)
        ],
        consents=[ExportedConsent.model_validate(c) for c in known.consents_of(session, ids)],
        orders=[ExportedOrder.model_validate(o) for i in ids for o in known.orders_of(session, i)],
        opportunities=[
            ExportedOpportunity.model_validate(o)
            for i in ids
            for o in known.opportunities_of(session, i)
        ],
        calls=[ExportedCall.model_validate(c) for c in repository.calls_of(session, ids, numbers)],
        callbacks=[
            _exported_callback(session, c) for c in repository.callbacks_of(session, ids, numbers)
        ],
        chats=[
            ExportedChat.model_validate(
                {
                    **chat.model_dump(),
                    "messages": [
                        ExportedMessage.model_validate(m) for m in messages if m.chat_id == chat.id
                    ],
                }
            )
            for chat in chats
        ],
        web_sessions=[
            ExportedWebSession.model_validate(
                {
                    **w.model_dump(),
                    "pages": [ExportedPage.model_validate(p) for p in pages[w.session_id]],
                }
            )
            for w in webs
        ],
        devices=[ExportedDevice.model_validate(d) for d in devices],
    )
    return ContactExport(contact_id=contact_id, data=data)


def _exported_callback(session: Session, callback: Callback) -> ExportedCallback:
    attempts = [
        ExportedAttempt.model_validate(a)
        for a in callbacks_repository.attempts_of(session, callback.id)
    ]
    return ExportedCallback.model_validate({**callback.model_dump(), "attempts": attempts})


# --- erasure -----------------------------------------------------------------------------------


def erase(session: Session, erased: ContactErased) -> ErasedContact | None:
    """Anonymise what routing holds about the erased contact, in the caller's transaction, and
    confirm it; None (nothing done, nothing published) when this request was carried out before."""
    if known.get_erasure(session, erased.request_id) is not None:
        return None
    now = utcnow()
    ids = readmodel.family(session, erased.contact_id)
    numbers = known.numbers_of(session, ids)
    devices = repository.devices_of(session, ids)
    calls = repository.calls_of(session, ids, numbers, for_update=True)
    callbacks = repository.callbacks_of(session, ids, numbers, for_update=True)
    webs = repository.sessions_of(session, ids, [d.visitor_id for d in devices], for_update=True)
    chats = repository.chats_of(session, ids, [w.session_id for w in webs], for_update=True)
    records = known.forget(session, ids)
    records += _erase_callbacks(session, callbacks, now)
    records += _erase_calls(session, calls, now)
    records += _erase_sessions(session, webs, now)
    records += _erase_chats(session, chats, now)
    records += _erase_feed(session, calls, webs, chats)
    records += _erase_outbox(session, calls, callbacks, webs, chats)
    for device in devices:
        session.delete(device)
    records += len(devices)
    erasure = ErasedContact(
        request_id=erased.request_id,
        contact_id=erased.contact_id,
        requested_at=erased.requested_at,
        erased_at=now,
        records=records,
    )
    session.add(erasure)
    add_event(
        session,
        Outbox,
        ErasureCompleted(
            request_id=erased.request_id,
            contact_id=erased.contact_id,
            completed_at=now,
            records=records,
        ),
        source=SOURCE,
        subject=str(erased.contact_id),
    )
    return erasure


def _erase_callbacks(session: Session, callbacks: Sequence[Callback], now: datetime) -> int:
    """Open callbacks are cancelled (nobody is to be called on an erased number); every one loses
    its number, note and contact."""
    for callback in callbacks:
        if callback.status not in FINISHED:
            callbacks_service.cancel_now(session, callback, now, "contact-erased")
        callback.phone, callback.note, callback.contact_id = ERASED, ERASED, None
        callback.version += 1
        callback.updated_at = now
        session.add(callback)
    return len(callbacks)


def _erase_calls(session: Session, calls: Sequence[Call], now: datetime) -> int:
    """Calls keep their times, agent and category; the caller's number reads ERASED (a withheld
    one stays null) and the contact link goes."""
    for call in calls:
        if call.from_number is not None:
            call.from_number = ERASED
        call.contact_id = None
        call.version += 1
        call.updated_at = now
        session.add(call)
    return len(calls)


def _erase_sessions(session: Session, webs: Sequence[WebSession], now: datetime) -> int:
    """Sessions lose their visitor and contact; their pages their query strings and titles."""
    for w in webs:
        w.visitor_id, w.contact_id, w.updated_at = ERASED, None, now
        session.add(w)
    pages = web.pages_of_sessions(session, [w.session_id for w in webs])
    views = [view for session_views in pages.values() for view in session_views]
    for view in views:
        view.url, view.title = stripped_url(view.url), None
        session.add(view)
    return len(webs) + len(views)


def _erase_chats(session: Session, chats: Sequence[Chat], now: datetime) -> int:
    """Chats lose their visitor and contact; every message (the agent's too) reads ERASED; one
    still open is closed then (nobody is to go on writing to an erased person), which frees its
    agent's place and publishes routing.chat.closed with the erased transcript."""
    for chat in chats:
        chat.visitor_id, chat.contact_id = ERASED, None
        chat.version += 1
        session.add(chat)
    session.flush()
    records = len(chats) + repository.erase_messages(session, [c.id for c in chats])
    for chat in chats:
        if chat.status == "open":
            chats_service.close(session, chat, None, now)
    return records


def _erase_feed(
    session: Session, calls: Sequence[Call], webs: Sequence[WebSession], chats: Sequence[Chat]
) -> int:
    items = repository.feed_items_about(
        session, [c.call_id for c in calls], [w.session_id for w in webs], [c.id for c in chats]
    )
    changed = 0
    for item in items:
        data = anonymised_payload(item.data)
        if data != item.data:
            item.data = data
            session.add(item)
            changed += 1
    return changed


def _erase_outbox(
    session: Session,
    calls: Sequence[Call],
    callbacks: Sequence[Callback],
    webs: Sequence[WebSession],
    chats: Sequence[Chat],
) -> int:
    """The outbox's events about these records carry nobody any more (rows stay in order, with
    their ids: what was published is not published again)."""
    rows = repository.outbox_rows_about(
        session,
        {
            repository.CALL_EVENTS: [c.call_id for c in calls],
            repository.CALLBACK_EVENTS: [str(c.id) for c in callbacks],
            repository.SESSION_EVENTS: [w.session_id for w in webs],
            repository.CHAT_EVENTS: [str(c.id) for c in chats],
        },
    )
    changed = 0
    for row in rows:
        event = CloudEvent.model_validate_json(row.envelope)
        data = anonymised_payload(event.data)
        if data != event.data:
            row.envelope = event.model_copy(update={"data": data}).model_dump_json()
            session.add(row)
            changed += 1
    return changed
