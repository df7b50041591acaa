"""Issuing a customer token, for a contact the contacts service knows and has not erased."""

import uuid

from crm_common.auth import CUSTOMER_ROLE, Principal
from crm_common.errors import Gone, NotFound
from crm_gateway.config import GatewaySettings
from crm_gateway.customers import tokens
from crm_gateway.customers.schemas import CustomerToken
from crm_gateway.proxy.forward import BadGateway, Forwarder


class ContactNotFound(NotFound):
    code, title = "contact-not-found", "Contact not found"


class ContactGone(Gone):
    code, title = "contact-gone", "Contact gone"


async def issue_token(
    forwarder: Forwarder, settings: GatewaySettings, issuer: Principal, contact_id: uuid.UUID
) -> CustomerToken:
    """A token for `contact_id` once the contacts service confirms the customer's own view of it."""
    customer = Principal(
        id=f"customer:{contact_id}",
        roles=frozenset({CUSTOMER_ROLE}),
        contact_id=str(contact_id),
    )
    answer = await forwarder.call("contacts", "GET", "/v1/me", customer)
    if answer.status_code == 404:
        raise ContactNotFound(f"There is no contact {contact_id}.")
    if answer.status_code == 410:
        raise ContactGone(
            f"Contact {contact_id} was merged or erased; no token is issued for it.",
            **_gone_details(answer.json()),
        )
    if answer.status_code != 200:
        raise BadGateway(f"The contacts service answered {answer.status_code} for the contact.")
    secret = settings.customer_token_secret
    assert secret is not None  # the settings supply one (or refuse to start)
    ttl = settings.customer_token_ttl_seconds
    return CustomerToken(
        access_token=tokens.issue(contact_id, issuer.id, secret, ttl),
        expires_in=ttl,
        contact_id=contact_id,
    )


def _gone_details(problem: object) -> dict[str, object]:
    if not isinstance(problem, dict):
        return {}
    return {k: problem[k] for k in ("survivor_id", "erased_at") if problem.get(k) is not None}
