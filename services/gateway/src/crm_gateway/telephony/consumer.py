"""The worker that hands `crm.routing` events to the telephony webhook, each event once.

Unlike a handler that writes, a delivery waits on another system (up to its retries and
backoff), so it runs outside any database transaction — on SQLite a write transaction would hold
the process's write lock all that time. The processed-event row is written after the receiver
took the event; a crash in between means one more delivery, which receivers dedupe by
`X-Rapport-Event-Id`. An event the receiver refuses, or that runs out of attempts, goes straight to
`crm.dlq.<group>` (the webhook did the retrying) and the partition moves on; one cut short by a
stop is left for the next start (crm_common.consumer.ConsumerStopping).
"""

from sqlalchemy import Engine
from sqlmodel import Session

from crm_common.consumer import EventConsumer, Handler
from crm_common.db import transaction
from crm_common.events import routing
from crm_common.events.envelope import CloudEvent
from crm_gateway.config import GatewaySettings
from crm_gateway.db import ProcessedEvent
from crm_gateway.telephony.webhook import TelephonyWebhook


class WebhookConsumer(EventConsumer):
    """Consumes `crm.routing` as `telephony_webhook_group`, delivering `telephony_webhook_events`."""

    def __init__(self, engine: Engine, settings: GatewaySettings) -> None:
        super().__init__(
            engine,
            ProcessedEvent,
            settings.kafka_bootstrap_servers,
            group_id=settings.telephony_webhook_group,
            topics=[routing.TOPIC],
            handlers={
                event_type: self._deliver for event_type in settings.telephony_webhook_events
            },
            max_retries=0,
        )
        self.webhook = TelephonyWebhook(settings, stop=self._stop)
        self.delivered = 0

    def _deliver(self, _session: Session, event: CloudEvent) -> None:
        """The handler of every subscribed type (it needs no session: see `apply`)."""
        self.webhook.deliver(event)
        self.delivered += 1

    def apply(self, event: CloudEvent, handler: Handler) -> bool:
        """Deliver `event` unless it was, then record it: no transaction is open meanwhile."""
        with transaction(self.engine, write=False) as session:
            if session.get(self.processed_model, (self.group_id, event.id)) is not None:
                return False
        handler(session, event)
        with transaction(self.engine) as session:
            if session.get(self.processed_model, (self.group_id, event.id)) is None:
                session.add(
                    self.processed_model(
                        consumer=self.group_id, event_id=event.id, event_type=event.type
                    )
                )
        self.applied += 1
        return True

    def stop(self) -> None:
        super().stop()
        self.webhook.close()
