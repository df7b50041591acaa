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


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's lazy schemas read and write `node._nodeid`, which pytest 9.2 renamed
    (to `_id`); give every node the old attribute so that per-operation reporting works."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
