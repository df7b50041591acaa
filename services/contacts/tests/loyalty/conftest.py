"""Factories of the loyalty tests: points earned at an explicit time, customer identities."""

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from crm_common.db import transaction
from crm_contacts.loyalty import service
from crm_contacts.loyalty.schemas import EntryRead

Earn = Callable[..., EntryRead | None]


@pytest.fixture
def earn(engine: Engine) -> Earn:
    """Points for a delivered order of `total` EUR (1 point per EUR by default), as the event
    handler earns them, at the instants given."""

    def earned(
        contact_id: str,
        total: str,
        delivered_at: datetime,
        *,
        now: datetime | None = None,
        order_id: uuid.UUID | None = None,
        currency: str = "EUR",
    ) -> EntryRead | None:
        with transaction(engine) as session:
            return service.earn_for_order(
                session,
                uuid.UUID(contact_id),
                order_id=order_id or uuid.uuid4(),
                number="R-000001",
                total=Decimal(total),
                currency=currency,
                delivered_at=delivered_at,
                now=now or delivered_at,
            )

    return earned


@pytest.fixture
def grant(client: httpx.Client, admin: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Points given to a contact by an admin's adjustment (a lot that never expires)."""

    def granted(contact_id: str, points: int, reason: str = "Welcome bonus") -> dict[str, Any]:
        response = client.post(
            f"/v1/contacts/{contact_id}/loyalty/adjustments",
            json={"points": points, "reason": reason},
            headers=admin,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    return granted
