"""The signed webhook to the telephony platform: one `crm.routing` event, POSTed as its CloudEvent.

Headers: `X-Rapport-Event-Id` (receivers dedupe on it: delivery is at least once),
`X-Rapport-Event-Type`, and `X-Rapport-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">` (`crm_common.webhooks`), signed afresh for each attempt. 5xx, 408, 429, timeouts
and connection failures are retried with exponential backoff, a bounded number of times; any other
answer outside 2xx is final.
"""

import logging
import threading
import time

import httpx

from crm_common.events.envelope import CloudEvent
from crm_common.webhooks import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, sign
from crm_gateway.config import GatewaySettings

log = logging.getLogger("crm.gateway.telephony")

CONTENT_TYPE = "application/cloudevents+json"
MAX_BACKOFF_SECONDS = 30.0
RETRIED_STATUSES = frozenset({408, 429})


class WebhookFailed(Exception):
    """The receiver did not take the event (after the retries a transient failure gets)."""


class DeliveryInterrupted(Exception):
    """The worker is stopping: the event is left for the next start, not given up."""


class TelephonyWebhook:
    """POSTs events to `telephony_webhook_url`, signed with `telephony_webhook_secret`."""

    def __init__(self, settings: GatewaySettings, stop: threading.Event | None = None) -> None:
        if settings.telephony_webhook_url is None or settings.telephony_webhook_secret is None:
            raise ValueError("the telephony webhook needs a URL and a secret")
        self.url, self.secret = settings.telephony_webhook_url, settings.telephony_webhook_secret
        self.max_attempts = settings.telephony_webhook_max_attempts
        self.backoff = settings.telephony_webhook_backoff_seconds
        self.stop = stop or threading.Event()
        self.client = httpx.Client(
            timeout=settings.telephony_webhook_timeout_seconds,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": "rapport-gateway"},
        )

    def close(self) -> None:
        self.client.close()

    def headers(self, event: CloudEvent, body: bytes, t: int) -> dict[str, str]:
        return {
            "Content-Type": CONTENT_TYPE,
            EVENT_ID_HEADER: str(event.id),
            EVENT_TYPE_HEADER: event.type,
            SIGNATURE_HEADER: sign(self.secret, body, t),
        }

    def deliver(self, event: CloudEvent) -> int:
        """POST `event` until the receiver answers 2xx; returns the attempts it took. Raises
        WebhookFailed when it refuses it or the attempts run out, DeliveryInterrupted on stop."""
        body = event.model_dump_json().encode()
        context = {"event_id": str(event.id), "event_type": event.type}
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.client.post(
                    self.url, content=body, headers=self.headers(event, body, int(time.time()))
                )
            except httpx.TransportError as exc:  # timeouts, refused or broken connections
                reason = f"{type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    return attempt
                reason = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code not in RETRIED_STATUSES:
                    log.error("telephony webhook refused the event: %s", reason, extra=context)
                    raise WebhookFailed(f"the receiver refused the event: {reason}")
            if attempt == self.max_attempts:
                break
            delay = min(self.backoff * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
            log.warning(
                "telephony webhook attempt %d of %d failed (%s); retrying in %.2fs",
                attempt,
                self.max_attempts,
                reason,
                delay,
                extra=context,
            )
            if self.stop.wait(delay):
                raise DeliveryInterrupted(str(event.id))
        log.error(
            "telephony webhook gave up after %d attempts: %s",
            self.max_attempts,
            reason,
            extra=context,
        )
        raise WebhookFailed(f"no delivery after {self.max_attempts} attempts: {reason}")
