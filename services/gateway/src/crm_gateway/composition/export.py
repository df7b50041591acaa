"""The export of everything Rapport holds about a person, gathered from every service.

Each service answers `GET /v1/privacy/contacts/{id}/export` for the caller (an admin, or that
customer); the gateway adds who reached the person's data (its audit log). An export is all or
nothing: when a service does not answer, the caller gets 503 and tries again.
"""

import uuid

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from crm_common.auth import Principal
from crm_common.db import transaction, utcnow
from crm_gateway.audit import repository as audit
from crm_gateway.audit.schemas import AuditEntryRead
from crm_gateway.composition.schemas import PersonalDataExport
from crm_gateway.composition.sources import Source, UpstreamProblem, fetch_all
from crm_gateway.proxy.forward import Forwarder, UpstreamUnavailable

SERVICES = ("contacts", "orders", "routing")
MAX_AUDIT_ENTRIES = 10_000


def _audit_of(engine: Engine, contact_id: uuid.UUID) -> list[dict[str, object]]:
    with transaction(engine, write=False) as session:
        rows = audit.of_contact(session, contact_id, MAX_AUDIT_ENTRIES)
        return [
            AuditEntryRead.model_validate(r, from_attributes=True).model_dump(mode="json")
            for r in rows
        ]


async def compose(
    forwarder: Forwarder,
    engine: Engine,
    principal: Principal,
    contact_id: uuid.UUID,
    timeout: float,
) -> PersonalDataExport:
    path = f"/v1/privacy/contacts/{contact_id}/export"
    answers = await fetch_all(forwarder, principal, [Source(s, s, path) for s in SERVICES], timeout)
    contacts = answers["contacts"]
    if not contacts.ok and not contacts.unavailable:
        raise UpstreamProblem(contacts)
    down = [service for service, answer in answers.items() if answer.unavailable]
    if down:
        raise UpstreamUnavailable(
            f"The export needs every service; {', '.join(down)} did not answer. Retry later."
        )
    for answer in answers.values():
        if not answer.ok:
            raise UpstreamProblem(answer)
    services = {
        service: answer.body.get("data", {}) if isinstance(answer.body, dict) else {}
        for service, answer in answers.items()
    }
    services["gateway"] = {"audit": await run_in_threadpool(_audit_of, engine, contact_id)}
    return PersonalDataExport(contact_id=contact_id, exported_at=utcnow(), services=services)
