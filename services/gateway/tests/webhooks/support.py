"""Plain helpers of the webhook tests: the receiving end, and events as the services publish them."""

import threading
import uuid
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response

from crm_common.events import contacts, orders
from crm_common.events.envelope import CloudEvent
from crm_common.testing import LiveServer


class Receiver:
    """A partner's endpoint: records every request (headers, raw body) and answers from a plan
    per event id (statuses in turn), else `default`."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.plan: dict[str, list[int]] = {}
        self.default = 200
        self.lock = threading.Lock()
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            with self.lock:
                self.requests.append((headers, body))
                planned = self.plan.get(headers.get("x-rapport-event-id", ""), [])
                status = planned.pop(0) if planned else self.default
            return Response(status_code=status)

        self.server = LiveServer(app)

    @property
    def url(self) -> str:
        return f"{self.server.url}/hook"

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.plan.clear()
            self.default = 200

    def of(self, event_id: uuid.UUID | str) -> list[tuple[dict[str, str], bytes]]:
        with self.lock:
            return [r for r in self.requests if r[0].get("x-rapport-event-id") == str(event_id)]


def status_changed(
    contact_id: uuid.UUID, at: datetime | None = None, to_status: str = "shipped"
) -> CloudEvent:
    """`orders.order.status_changed.v1` of an order of `contact_id`, that happened `at`."""
    order_id = uuid.uuid4()
    when = at or datetime.now(UTC)
    payload = orders.OrderStatusChanged(
        order_id=order_id,
        number="SO-1001",
        contact_id=contact_id,
        from_status="confirmed",
        to_status=to_status,  # type: ignore[arg-type]
        occurred_at=when,
        source="erp",
    )
    event = CloudEvent.wrap(payload, source="orders", subject=str(order_id), correlation_id="r-1")
    return event.model_copy(update={"time": when})


def consent_changed(contact_id: uuid.UUID, at: datetime | None = None) -> CloudEvent:
    when = at or datetime.now(UTC)
    payload = contacts.ConsentChanged(
        contact_id=contact_id, purpose="sms", granted=True, source="web", changed_at=when
    )
    event = CloudEvent.wrap(
        payload, source="contacts", subject=str(contact_id), correlation_id=None
    )
    return event.model_copy(update={"time": when})


def erased(contact_id: uuid.UUID) -> CloudEvent:
    payload = contacts.ContactErased(
        contact_id=contact_id, request_id=uuid.uuid4(), requested_at=datetime.now(UTC)
    )
    return CloudEvent.wrap(payload, source="contacts", subject=str(contact_id), correlation_id=None)
