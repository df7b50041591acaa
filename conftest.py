"""Fixtures every test directory shares: the real broker and the database backends."""

from collections.abc import Iterator

import pytest

from crm_common.broker import LocalBroker
from crm_common.testing import backends


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A real Kafka-protocol broker (Tansu) on a free port for the whole test session."""
    log_path = tmp_path_factory.mktemp("broker") / "tansu.log"
    with LocalBroker(log_path=log_path) as running:
        yield running


@pytest.fixture(scope="session", params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    """'sqlite', and 'postgresql' when CRM_TEST_POSTGRES_URL is set."""
    return str(request.param)
