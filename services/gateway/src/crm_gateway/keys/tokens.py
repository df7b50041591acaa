"""API key secrets: generation, hashing, and sealing for the idempotency record. Pure, no I/O."""

import base64
import hashlib
import hmac
import secrets
import uuid

KEY_PREFIX = "rk_"
KEY_RANDOM_BYTES = 30  # 240 bits, 40 url-safe characters
PREFIX_LENGTH = 8  # "rk_" and 5 characters: enough to tell keys apart, far too few to guess one
MAX_KEY_LENGTH = 512
SEALED_PREFIX = "sealed:"
TAG_BYTES = 16


def new_key() -> str:
    """A new secret: `rk_` followed by 40 url-safe characters from the OS's CSPRNG."""
    return KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES)


def hash_key(key: str) -> str:
    """The stored form of a key: SHA-256, hex.

    A fast hash is right here: generated keys carry 240 random bits, so neither a dictionary nor
    brute force can invert it, and a slow password hash (bcrypt, argon2) would add its cost to
    every request that is not in the cache.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def prefix_of(key: str) -> str:
    return key[:PREFIX_LENGTH]


def _pad(key_id: uuid.UUID, secret: str, length: int) -> bytes:
    material = b""
    block = 0
    while len(material) < length:
        message = b"rapport-idempotent-key:%d:" % block + key_id.bytes
        material += hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
        block += 1
    return material[:length]


def _tag(key_id: uuid.UUID, secret: str, sealed: bytes) -> bytes:
    message = b"rapport-idempotent-key-tag:" + key_id.bytes + sealed
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()[:TAG_BYTES]


def seal(key: str, key_id: uuid.UUID, secret: str) -> str:
    """`key` encrypted for the idempotency record, so that a replay can return it again.

    The pad is HMAC-SHA256(secret, key id): a one-time pad, since every key id is used once, and a
    tag detects a record sealed under another secret. Only a holder of CRM_INTERNAL_SECRET can open
    it; the database alone never holds a usable secret.
    """
    raw = key.encode("utf-8")
    sealed = bytes(a ^ b for a, b in zip(raw, _pad(key_id, secret, len(raw)), strict=True))
    blob = sealed + _tag(key_id, secret, sealed)
    return SEALED_PREFIX + base64.urlsafe_b64encode(blob).decode("ascii")


def unseal(sealed: str, key_id: uuid.UUID, secret: str) -> str:
    """The key that `seal` sealed; ValueError when it was not sealed for this id and secret."""
    if not sealed.startswith(SEALED_PREFIX):
        raise ValueError("not a sealed key")
    blob = base64.urlsafe_b64decode(sealed.removeprefix(SEALED_PREFIX).encode("ascii"))
    body, tag = blob[:-TAG_BYTES], blob[-TAG_BYTES:]
    if len(blob) <= TAG_BYTES or not hmac.compare_digest(tag, _tag(key_id, secret, body)):
        raise ValueError("the key was sealed for another id or secret")
    opened = bytes(a ^ b for a, b in zip(body, _pad(key_id, secret, len(body)), strict=True))
    return opened.decode("utf-8")
