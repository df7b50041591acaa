"""Recording who read or changed whose personal data, off the request's path.

A request only appends a note to a queue; a thread turns notes into entries (finding the contacts
in the path or in the answer) and writes them in batches. An entry is written within
`flush_seconds` of its request, and the queue is drained when the gateway stops; a gateway that
is killed loses at most the notes of that interval.
"""

import json
import logging
import re
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from crm_common.auth import Principal
from crm_common.db import transaction, utcnow
from crm_gateway.audit import repository

log = logging.getLogger("crm.gateway.audit")

READS = frozenset({"GET", "HEAD"})
CONTACT_PATH = re.compile(r"^/v1/contacts/([0-9a-fA-F-]{36})(?:/|$)")
MAX_PARSED_BODY = 4 * 1024 * 1024
MAX_QUEUED = 200_000
MAX_BATCH = 2_000
MAX_CONTACTS_PER_NOTE = 500


@dataclass(frozen=True)
class Note:
    """One audited request, as the proxy saw it."""

    at: datetime
    principal: Principal
    method: str
    path: str
    status: int
    body: bytes | None
    reason: str | None
    request_id: str | None


def _uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _contacts_in(document: Any, contact_path: bool) -> Iterator[uuid.UUID]:
    """The contacts a JSON answer is about: `contact_id`s, or the `id`s of contacts."""
    items = document.get("items") if isinstance(document, dict) else None
    for item in items if isinstance(items, list) else [document]:
        if not isinstance(item, dict):
            continue
        found = _uuid(item.get("contact_id"))
        if found is None and contact_path:
            found = _uuid(item.get("id"))
        if found is not None:
            yield found


def contacts_of(note: Note) -> list[uuid.UUID | None]:
    """The contacts a request touched (at least one entry per note: None when none is known)."""
    matched = CONTACT_PATH.match(note.path)
    if matched is not None:
        found = _uuid(matched.group(1))
        return [found]
    if note.body is None or not 200 <= note.status < 300 or len(note.body) > MAX_PARSED_BODY:
        return [None]
    try:
        document = json.loads(note.body)
    except (ValueError, UnicodeDecodeError):
        return [None]
    contact_path = note.path.rstrip("/") == "/v1/contacts" or note.path.startswith("/v1/contacts/")
    ids = list(dict.fromkeys(_contacts_in(document, contact_path)))[:MAX_CONTACTS_PER_NOTE]
    return list(ids) or [None]


def entries_of(note: Note) -> list[dict[str, Any]]:
    action = "read" if note.method in READS else "change"
    return [
        {
            "at": note.at,
            "principal_id": note.principal.id,
            "roles": sorted(note.principal.roles),
            "action": action,
            "method": note.method,
            "path": note.path[:2000],
            "status": note.status,
            "contact_id": contact_id,
            "reason": note.reason,
            "request_id": note.request_id,
        }
        for contact_id in contacts_of(note)
    ]


class AuditRecorder:
    """Queues notes from requests and writes them as audit entries on a thread of its own."""

    def __init__(self, engine: Engine, flush_seconds: float = 0.25) -> None:
        self.engine, self.flush_seconds = engine, flush_seconds
        self._queue: deque[Note] = deque()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def note(
        self,
        principal: Principal,
        method: str,
        path: str,
        status: int,
        body: bytes | None,
        reason: str | None,
        request_id: str | None,
    ) -> None:
        """Record a request (cheap: the work happens on the recorder's thread)."""
        if len(self._queue) >= MAX_QUEUED:
            log.error("audit queue full (%d notes): the database is not keeping up", MAX_QUEUED)
        self._queue.append(
            Note(utcnow(), principal, method, path, status, body, reason, request_id)
        )

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="audit-recorder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.flush()

    def flush(self) -> int:
        """Write every queued note now; the number of entries written."""
        written = 0
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(MAX_BATCH, len(self._queue)))]
            rows = [row for note in batch for row in entries_of(note)]
            try:
                with transaction(self.engine) as session:
                    repository.append(session, rows)
            except SQLAlchemyError as exc:
                log.warning("could not write %d audit entries, will retry: %s", len(rows), exc)
                self._queue.extendleft(reversed(batch))
                return written
            written += len(rows)
        return written

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            self.flush()
