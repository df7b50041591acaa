"""Fixtures of the data-rights tests: the gateway's identity for a customer token."""

from collections.abc import Callable

import pytest

from crm_common.testing import customer_headers
from crm_contacts.config import ContactsSettings


@pytest.fixture(scope="session")
def as_customer(service_settings: ContactsSettings) -> Callable[[str], dict[str, str]]:
    """The identity header of the customer token of a contact id."""

    def headers(contact_id: str) -> dict[str, str]:
        return customer_headers(service_settings.internal_secret, contact_id)

    return headers
