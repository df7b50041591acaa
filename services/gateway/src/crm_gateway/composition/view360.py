"""The 360° view of a contact, composed from contacts, orders and routing in parallel.

The contact itself decides who may see the rest: a contact the contacts service does not show
the caller (404 for a row outside an agent's, 410 merged or erased) is that answer. When a service
does not answer, its sections are null and named in `incomplete`; when that service is contacts,
only callers who may see every contact (admins) get the rest, since nothing else can tell
whether the contact is theirs.
"""

import uuid

from crm_common.auth import Principal
from crm_common.db import utcnow
from crm_gateway.composition.schemas import Contact360, MissingPart
from crm_gateway.composition.sources import Answer, Source, UpstreamProblem, fetch_all
from crm_gateway.proxy.forward import Forwarder, UpstreamUnavailable

LATEST = "20"


def sources_of(contact_id: uuid.UUID) -> list[Source]:
    c = str(contact_id)
    return [
        Source("contact", "contacts", f"/v1/contacts/{c}"),
        Source("timeline", "contacts", f"/v1/contacts/{c}/interactions", (("limit", LATEST),)),
        Source("tasks", "contacts", "/v1/tasks", (("contact_id", c), ("limit", LATEST))),
        Source("consents", "contacts", f"/v1/contacts/{c}/consents"),
        Source("loyalty", "contacts", f"/v1/contacts/{c}/loyalty"),
        Source("orders", "orders", "/v1/orders", (("contact_id", c), ("limit", LATEST))),
        Source(
            "opportunities", "orders", "/v1/opportunities", (("contact_id", c), ("limit", LATEST))
        ),
        Source("callbacks", "routing", "/v1/callbacks", (("contact_id", c), ("limit", LATEST))),
    ]


LIST_SECTIONS = frozenset({"timeline", "tasks", "orders", "opportunities", "callbacks"})


def _value(answer: Answer) -> object:
    """The section's content: a page's items for a list, the object otherwise; None when the
    service answered otherwise (the section is not the caller's to see, or not there)."""
    body = answer.body
    if not answer.ok or not isinstance(body, dict):
        return None
    if answer.source.section in LIST_SECTIONS:
        items = body.get("items")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else None
    return body


async def compose(
    forwarder: Forwarder, principal: Principal, contact_id: uuid.UUID, timeout: float
) -> Contact360:
    answers = await fetch_all(forwarder, principal, sources_of(contact_id), timeout)
    contact = answers["contact"]
    if contact.unavailable:
        if "admin" not in principal.roles:
            raise UpstreamUnavailable(
                "The contacts service is unavailable, so whether this contact is yours cannot be "
                "told; retry later."
            )
    elif not contact.ok:
        raise UpstreamProblem(contact)
    missing: dict[str, MissingPart] = {}
    for answer in answers.values():
        if answer.unavailable:
            part = missing.setdefault(
                answer.source.service,
                MissingPart(
                    service=answer.source.service, sections=[], reason=answer.error or "no answer"
                ),
            )
            part.sections.append(answer.source.section)
    values = {section: _value(answer) for section, answer in answers.items()}
    return Contact360.model_validate(
        {
            "contact_id": contact_id,
            "complete": not missing,
            "incomplete": list(missing.values()),
            "generated_at": utcnow(),
            **values,
        }
    )
