"""Typed errors of webhook subscriptions."""

import uuid

from crm_common.errors import Conflict, FieldError, NotFound, Unprocessable


class WebhookNotFound(NotFound):
    """Also the answer for another partner's subscription: its existence is not disclosed."""

    code, title = "webhook-not-found", "Webhook subscription not found"

    def __init__(self, subscription_id: uuid.UUID) -> None:
        super().__init__(f"There is no webhook subscription {subscription_id}.")


class UrlNotAllowed(Unprocessable):
    code, title = "validation-error", "Validation failed"

    def __init__(self, message: str) -> None:
        super().__init__(
            f"body.url: {message}",
            errors=[FieldError(field="body.url", message=message, code="url_not_allowed")],
        )


class SecretNoLongerShown(Conflict):
    """A replayed creation whose sealed secret cannot be opened (CRM_INTERNAL_SECRET changed)."""

    code, title = "secret-no-longer-shown", "The subscription's secret can no longer be shown"

    def __init__(self, subscription_id: uuid.UUID) -> None:
        super().__init__(
            f"Webhook subscription {subscription_id} was created for this Idempotency-Key, but its "
            "secret can no longer be shown; rotate it (POST .../rotate-secret).",
            subscription_id=str(subscription_id),
        )


class WebhookSecretUnreadable(Conflict):
    """The stored secret was sealed under another CRM_INTERNAL_SECRET: nothing can be signed."""

    code, title = "webhook-secret-unreadable", "The subscription's secret cannot be read"

    def __init__(self, subscription_id: uuid.UUID) -> None:
        super().__init__(
            f"The secret of webhook subscription {subscription_id} can no longer be read (the "
            "gateway's internal secret changed); rotate it (POST .../rotate-secret).",
            subscription_id=str(subscription_id),
        )


class OwnerRevoked(Conflict):
    """Re-enabling a subscription whose creator's key was revoked: nobody could manage it."""

    code, title = "webhook-owner-revoked", "The subscription's API key was revoked"

    def __init__(self, subscription_id: uuid.UUID) -> None:
        super().__init__(
            f"Webhook subscription {subscription_id} was created with an API key that has since "
            "been revoked; create a new subscription with a valid key.",
            subscription_id=str(subscription_id),
        )
