import time

import jwt
import pytest

from crm_common.auth import Principal, sign_identity, verify_identity
from crm_common.errors import Unauthorized

SECRET = "s" * 40


def test_identity_round_trip_keeps_principal_roles_and_contact() -> None:
    principal = Principal(id="key-1", roles=frozenset({"agent", "partner"}), contact_id="c-9")
    assert verify_identity(sign_identity(principal, SECRET), SECRET) == principal


def test_identity_signed_with_another_secret_is_refused() -> None:
    token = sign_identity(Principal(id="k", roles=frozenset({"admin"})), "x" * 40)
    with pytest.raises(Unauthorized, match="not valid"):
        verify_identity(token, SECRET)


def test_expired_identity_is_refused() -> None:
    token = sign_identity(Principal(id="k", roles=frozenset({"admin"})), SECRET, ttl_seconds=-1)
    with pytest.raises(Unauthorized, match="expired"):
        verify_identity(token, SECRET)


def test_tampered_roles_break_the_signature() -> None:
    token = sign_identity(Principal(id="k", roles=frozenset({"partner"})), SECRET)
    header, _payload, signature = token.split(".")
    forged_payload = jwt.encode(
        {"sub": "k", "roles": ["admin"], "exp": int(time.time()) + 60}, "o" * 40, algorithm="HS256"
    ).split(".")[1]
    with pytest.raises(Unauthorized):
        verify_identity(f"{header}.{forged_payload}.{signature}", SECRET)


def test_staff_and_customer_flags() -> None:
    assert Principal(id="a", roles=frozenset({"agent"})).is_staff
    assert not Principal(id="p", roles=frozenset({"partner"})).is_staff
    assert Principal(id="c", roles=frozenset({"customer"}), contact_id="x").is_customer
    # A contact id without the customer role (never issued by the gateway) is no customer.
    assert not Principal(id="c", roles=frozenset({"agent"}), contact_id="x").is_customer


def test_an_identity_verified_once_is_refused_after_it_expires_and_under_another_secret() -> None:
    token = sign_identity(Principal(id="k", roles=frozenset({"agent"})), SECRET, ttl_seconds=1)
    assert verify_identity(token, SECRET).roles == frozenset({"agent"})  # now remembered
    with pytest.raises(Unauthorized):
        verify_identity(token, "y" * 40)
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(Unauthorized, match="expired"):
        verify_identity(token, SECRET)
