"""Constants and plain helpers shared by the gateway tests (fixtures are in conftest.py)."""

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from crm_common.testing import LiveServer
from crm_gateway.auth import KeyRing

INTERNAL_SECRET = "gateway-tests-" + secrets.token_hex(24)
BOOTSTRAP_KEY = "rk_test_bootstrap_" + secrets.token_urlsafe(24)
CUSTOMER_TOKEN_SECRET = "gateway-tests-customers-" + secrets.token_hex(24)


@dataclass
class Running:
    """A gateway served on a real port, and its app (to reach its state)."""

    server: LiveServer
    app: FastAPI

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def keyring(self) -> KeyRing:
        ring: KeyRing = self.app.state.keyring
        return ring


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create_key(
    client: httpx.Client, *roles: str, name: str = "test key", **extra: Any
) -> dict[str, Any]:
    """Issue a key with `roles` as the bootstrap admin; returns the creation answer."""
    response = client.post(
        "/v1/api-keys",
        json={"name": name, "roles": list(roles), **extra},
        headers=bearer(BOOTSTRAP_KEY),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
