"""Fixtures every test directory shares: the real broker, a producer on it, and the database
backends."""

from collections.abc import Iterator

import pytest
from kafka import KafkaProducer

from crm_common.broker import LocalBroker
from crm_common.events import contacts, orders, routing
from crm_common.kafka import ensure_topics, make_producer
from crm_common.testing import backends


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A real Kafka-protocol broker (Tansu) on a free port for the whole test session."""
    log_path = tmp_path_factory.mktemp("broker") / "tansu.log"
    with LocalBroker(log_path=log_path) as running:
        yield running


@pytest.fixture(scope="session")
def producer(broker: LocalBroker) -> Iterator[KafkaProducer]:
    """A producer on the broker, with the services' topics in place: tests publish what another
    service would (`crm_common.testing.publish`, `send_event`)."""
    ensure_topics(broker.bootstrap, [contacts.TOPIC, orders.TOPIC, routing.TOPIC])
    producer = make_producer(broker.bootstrap, "test-producer")
    yield producer
    producer.close()


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
