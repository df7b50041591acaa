"""Subscription secrets: generated, kept sealed, and the signature header of a delivery. Pure.

The gateway must sign with each secret, so it keeps it (unlike API keys, which it only hashes),
sealed with CRM_INTERNAL_SECRET under a fresh random nonce (`keys.tokens.seal`): the database alone
never holds a usable secret. A changed CRM_INTERNAL_SECRET makes the stored secrets unreadable;
deliveries then fail until the subscription's secret is rotated.
"""

import secrets
import uuid

from crm_common.webhooks import sign
from crm_gateway.keys import tokens

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_RANDOM_BYTES = 32


class SecretUnreadable(Exception):
    """A stored secret sealed under another CRM_INTERNAL_SECRET."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_RANDOM_BYTES)


def seal_secret(secret: str, internal_secret: str) -> str:
    """`<nonce>:<sealed>`: a nonce per seal, so no pad is ever used for two secrets."""
    nonce = uuid.uuid4()
    return f"{nonce.hex}:{tokens.seal(secret, nonce, internal_secret)}"


def open_secret(stored: str, internal_secret: str) -> str:
    nonce, _, sealed = stored.partition(":")
    try:
        return tokens.unseal(sealed, uuid.UUID(hex=nonce), internal_secret)
    except ValueError as exc:
        raise SecretUnreadable("the webhook secret was sealed under another secret") from exc


def signature(signing_secrets: list[str], body: bytes, t: int) -> str:
    """`t=<t>,v1=<hex>` with one `v1=` per secret (the current one first, then the previous one
    while a rotation overlaps): a receiver that knows either accepts the delivery."""
    header = sign(signing_secrets[0], body, t)
    for other in signing_secrets[1:]:
        header += "," + sign(other, body, t).split(",", 1)[1]
    return header
