"""`make bench`: contacts throughput, caller-ID lookup and outbox latency; orders placed per second, the
configurator at 200 rules and order placed -> ERP consumer; the routing decision for a ringing call and web
beacons accepted per second; each beside a bare reference.

Every figure comes from this run on this machine: the service and its bare reference are measured with
the same load generator, one after the other, and the ratio is printed next to the percentiles.
"""

import argparse
import json
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
from kafka import KafkaProducer
from sqlalchemy import insert
from sqlmodel import Session

from bench import orders, routing
from bench.bare_app import BareContact
from bench.harness import compare_throughput, load, percentile, summary
from bench.numbers import formats, phone
from bench.receiver import Receiver, drain
from crm_common.auth import IDENTITY_HEADER, Principal, sign_identity
from crm_common.broker import LocalBroker
from crm_common.db import make_engine, new_id, utcnow
from crm_common.migrations import upgrade
from crm_common.testing import ServiceProcess as Server
from crm_contacts.contacts.models import Contact, ContactPhone
from crm_contacts.migrate import SERVICE_DIR

SECRET = "bench-" + uuid.uuid4().hex + uuid.uuid4().hex


def contact_body(i: int) -> dict[str, object]:
    return {
        "kind": "person",
        "first_name": f"Ada{i}",
        "last_name": "Lovelace",
        "emails": [{"address": f"ada{i}-{uuid.uuid4().hex[:6]}@example.com", "label": "work"}],
        "phones": [{"number": phone(10_000_000 + i), "label": "mobile"}],
        "lifecycle_stage": "lead",
        "tags": ["bench"],
    }


def bare_body(i: int) -> dict[str, object]:
    return {
        "first_name": f"Ada{i}",
        "last_name": "Lovelace",
        "email": f"ada{i}@example.com",
        "phone": phone(10_000_000 + i),
    }


def throughput(
    service: Server,
    bare: Server,
    headers: dict[str, str],
    count: int,
    concurrency: int,
    rounds: int,
) -> None:
    async def post_service(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.post("/v1/contacts", json=contact_body(i), headers=headers)

    async def post_bare(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.post("/contacts", json=bare_body(i))

    compare_throughput(
        "Contacts created per second (SQLite)",
        ("bare FastAPI+SQLModel insert", "contacts service (full path)"),
        (bare.url, post_bare),
        (service.url, post_service),
        count=count,
        concurrency=concurrency,
        rounds=rounds,
        target=0.5,
    )


def seed(service_db: str, bare_db: str, total: int) -> list[str]:
    """`total` contacts with one phone each in both databases, straight through the tables."""
    engine = make_engine(service_db)
    bare_engine = make_engine(bare_db)
    numbers = [phone(i) for i in range(total)]
    now = utcnow()
    batch = 5000
    started = time.perf_counter()
    with Session(engine) as session, Session(bare_engine) as bare_session:
        for start in range(0, total, batch):
            contacts, phones, bare_rows = [], [], []
            for i in range(start, min(start + batch, total)):
                cid = new_id()
                contact = Contact(
                    id=cid,
                    kind="person",
                    first_name=f"Seed{i}",
                    last_name="Caller",
                    lifecycle_stage="customer",
                    created_at=now,
                    updated_at=now,
                )
                if hasattr(contact, "search_name"):
                    contact.search_name = f"seed{i} caller"
                contacts.append(contact.model_dump())
                phones.append(
                    ContactPhone(contact_id=cid, e164=numbers[i], label="mobile").model_dump()
                )
                bare_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "first_name": f"Seed{i}",
                        "last_name": "Caller",
                        "email": f"seed{i}@example.com",
                        "phone": numbers[i],
                    }
                )
            session.execute(insert(Contact), contacts)
            session.execute(insert(ContactPhone), phones)
            bare_session.execute(insert(BareContact), bare_rows)
        session.commit()
        bare_session.commit()
    engine.dispose()
    bare_engine.dispose()
    print(f"seeded {total} contacts in {time.perf_counter() - started:.1f}s")
    return numbers


def lookup(
    service: Server, bare: Server, headers: dict[str, str], numbers: list[str], count: int
) -> None:
    print(f"\n== Caller-ID lookup with {len(numbers)} contacts ({count} sequential lookups) ==")
    picks = [numbers[(i * 7919) % len(numbers)] for i in range(count)]

    async def get_service(client: httpx.AsyncClient, i: int) -> httpx.Response:
        variant = formats(picks[i])[i % 4]
        return await client.get("/v1/contacts/lookup", params={"phone": variant}, headers=headers)

    async def get_bare(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/contacts/by-phone/{picks[i]}")

    load(service.url, get_service, 100, 1)
    load(bare.url, get_bare, 100, 1)
    ref = load(bare.url, get_bare, count, 1, {200})
    svc = load(service.url, get_service, count, 1, {200})
    print(f"bare indexed select by E.164 : {summary(ref.latencies_ms)}  failures {ref.failures}")
    print(f"contacts lookup (any format) : {summary(svc.latencies_ms)}  failures {svc.failures}")
    p99 = svc.pct(99)
    print(
        f"ratio p50 service/bare       : {svc.pct(50) / ref.pct(50):.2f};  service p99 {p99:.2f} ms "
        f"(target < 10 ms)  {'OK' if p99 < 10 else 'ABOVE TARGET'}"
    )


def outbox_latency(
    service: Server, broker: LocalBroker, service_db: str, headers: dict[str, str], count: int
) -> None:
    print(f"\n== Outbox to broker latency ({count} events, ~20 writes/s) ==")
    drain(service_db, timeout=120)
    receiver = Receiver(broker.bootstrap, "crm.contacts")
    subjects: set[str] = set()
    with httpx.Client(base_url=service.url, timeout=30) as client:
        for i in range(count):
            response = client.post("/v1/contacts", json=contact_body(900_000 + i), headers=headers)
            assert response.status_code == 201, response.text
            subjects.add(response.json()["id"])
            time.sleep(0.05)
    receiver.wait_for(count)
    latencies = []
    for arrived, raw in receiver.arrivals:
        event = json.loads(raw)
        if event["subject"] in subjects and event["type"] == "contacts.contact.created.v1":
            latencies.append((arrived - datetime.fromisoformat(event["time"]).timestamp()) * 1000)

    bare_topic = "bench.bare"
    producer = KafkaProducer(
        bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=True
    )
    producer.send(bare_topic, b"warm").get(timeout=10)
    bare_receiver = Receiver(broker.bootstrap, bare_topic)
    for _ in range(count):
        producer.send(bare_topic, json.dumps(time.time()).encode())
        producer.flush()
        time.sleep(0.05)
    bare_receiver.wait_for(count)
    producer.close()
    bare = [(arrived - json.loads(raw)) * 1000 for arrived, raw in bare_receiver.arrivals]
    print(f"bare producer send->receive  : {summary(bare)}  ({len(bare)} received)")
    print(f"outbox commit->receive       : {summary(latencies)}  ({len(latencies)} received)")
    p95 = percentile(latencies, 95)
    print(
        f"ratio p95 outbox/bare        : {p95 / percentile(bare, 95):.2f};  outbox p95 {p95:.1f} ms "
        f"(target < 250 ms)  {'OK' if p95 < 250 else 'ABOVE TARGET'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=4500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=3000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--beacon-batches", type=int, default=600)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["contacts", "orders", "routing"],
        default=["contacts", "orders", "routing"],
    )
    args = parser.parse_args()

    principal = Principal(id="bench", roles=frozenset({"admin"}))
    headers = {IDENTITY_HEADER: sign_identity(principal, SECRET, ttl_seconds=3600)}
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as tmp, LocalBroker() as broker:
        work = Path(tmp)
        service_db = f"sqlite:///{work}/contacts.db"
        bare_db = f"sqlite:///{work}/bare.db"
        upgrade(SERVICE_DIR, service_db)
        service_env = {
            "CRM_CONTACTS_DATABASE_URL": service_db,
            "CRM_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
            "CRM_INTERNAL_SECRET": SECRET,
            "CRM_LOG_LEVEL": "WARNING",
            "CRM_RELAY_POLL_SECONDS": "0.5",
        }
        print("Rapport benchmark — service and bare reference, same machine, same run")
        with (
            Server("crm_contacts.main:create_app", service_env, work / "contacts.log") as service,
            Server(
                "bench.bare_app:create_app", {"BARE_DATABASE_URL": bare_db}, work / "bare.log"
            ) as bare,
        ):
            if "contacts" in args.only:
                throughput(service, bare, headers, args.requests, args.concurrency, args.rounds)
                numbers = seed(service_db, bare_db, args.contacts)
                lookup(service, bare, headers, numbers, args.lookups)
                outbox_latency(service, broker, service_db, headers, args.events)
            if "orders" in args.only:
                orders.run(broker, work, bare, SECRET, headers, args, drain)
    if "routing" in args.only:
        # A broker of its own: on the shared one, routing's consumers would be replaying the tens
        # of thousands of contacts and orders events the benchmarks above published, while the
        # ringing decision is measured.
        with (
            tempfile.TemporaryDirectory(prefix="rapport-bench-routing-") as tmp,
            LocalBroker() as routing_broker,
        ):
            routing.run(routing_broker, Path(tmp), SECRET, args)


if __name__ == "__main__":
    main()
