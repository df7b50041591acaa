"""Key generation, hashing and sealing (pure: no I/O)."""

import hashlib
import re
import uuid

import pytest

from crm_gateway.keys import tokens


def test_new_keys_are_random_and_well_formed() -> None:
    keys = {tokens.new_key() for _ in range(100)}

    assert len(keys) == 100
    assert all(re.fullmatch(r"rk_[A-Za-z0-9_-]{40}", key) for key in keys)


def test_the_hash_is_sha256_hex() -> None:
    assert tokens.hash_key("rk_abc") == hashlib.sha256(b"rk_abc").hexdigest()


def test_sealing_round_trips_and_hides_the_key() -> None:
    key, key_id = tokens.new_key(), uuid.uuid4()

    sealed = tokens.seal(key, key_id, "secret-1")

    assert sealed.startswith("sealed:")
    assert key not in sealed
    assert tokens.unseal(sealed, key_id, "secret-1") == key
    with pytest.raises(ValueError, match="another id or secret"):
        tokens.unseal(sealed, key_id, "secret-2")
    with pytest.raises(ValueError, match="another id or secret"):
        tokens.unseal(sealed, uuid.uuid4(), "secret-1")


def test_unsealing_a_plain_key_fails() -> None:
    with pytest.raises(ValueError, match="not a sealed key"):
        tokens.unseal("rk_plain", uuid.uuid4(), "secret")
