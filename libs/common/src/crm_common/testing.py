"""Helpers for tests: a real HTTP server in a thread, signed identities, per-test databases."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from kafka import KafkaProducer
from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.exc import OperationalError

from crm_common.auth import CUSTOMER_ROLE, IDENTITY_HEADER, Principal, sign_identity
from crm_common.broker import free_port, wait_for_port
from crm_common.db import make_engine
from crm_common.events.envelope import CloudEvent, EventPayload
from crm_common.migrations import upgrade
from crm_common.settings import ServiceSettings

ServiceSettingsT = TypeVar("ServiceSettingsT", bound=ServiceSettings)

POSTGRES_ENV = "CRM_TEST_POSTGRES_URL"


def backends() -> list[str]:
    """Database backends to test on: SQLite always, PostgreSQL when CRM_TEST_POSTGRES_URL is set."""
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


def postgres_database_url(name: str) -> str:
    """A fresh, empty PostgreSQL database `name` on the server of CRM_TEST_POSTGRES_URL."""
    base = os.environ[POSTGRES_ENV].rstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"bad database name {name!r}")
    server = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    server = server.replace("postgresql://", "postgresql+psycopg://")
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def database_url(backend: str, name: str, tmp_dir: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir}/{name}.db"
    return postgres_database_url(f"{name}_{os.getpid()}")


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database `url` names (test runs leave nothing behind); SQLite files go
    with their temporary directory."""
    if not url.startswith("postgresql"):
        return
    server, name = url.rsplit("/", 1)
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def migrated_database(backend: str, name: str, tmp_dir: str, service_dir: Path) -> Iterator[str]:
    """A new database of `backend` migrated to the head of the service in `service_dir`."""
    url = database_url(backend, name, tmp_dir)
    try:
        upgrade(service_dir, url)
        yield url
    finally:
        drop_database(url)


def truncate_all(engine: Engine, metadata: MetaData, keep: Collection[str] = ()) -> None:
    """Empty every table of `metadata` but those named in `keep` (between tests sharing one
    migrated database)."""
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in keep]
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    names = ", ".join(f'"{t.name}"' for t in tables)
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                else:
                    # An append-only table's triggers refuse deletes: set them aside meanwhile.
                    triggers = conn.execute(
                        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                    ).all()
                    for name, _sql in triggers:
                        conn.execute(text(f'DROP TRIGGER "{name}"'))
                    for table in tables:
                        conn.execute(table.delete())
                    for _name, sql in triggers:
                        conn.execute(text(sql))
            return
        except OperationalError as exc:
            # TRUNCATE locks table after table; a live service's worker (a relay, a dispatcher)
            # holding one of them while it waits for another is a deadlock PostgreSQL breaks by
            # aborting one side: this one, then, tries again.
            if getattr(exc.orig, "sqlstate", None) != "40P01" or attempt == 4:
                raise
            time.sleep(0.1 * (attempt + 1))


def send_event(producer: KafkaProducer, event: CloudEvent, topic: str | None = None) -> CloudEvent:
    """Put `event` on `topic` (default: its type's) as a service's outbox relay does — keyed by
    its subject, with its type and id as headers — and wait for the broker's ack."""
    producer.send(
        topic or event.payload().topic,
        key=event.subject.encode(),
        value=event.model_dump_json().encode(),
        headers=[("ce_type", event.type.encode()), ("ce_id", str(event.id).encode())],
    ).get(timeout=10)
    return event


def publish(producer: KafkaProducer, payload: EventPayload, subject: object) -> CloudEvent:
    """`payload` about `subject` as another service would publish it (`send_event`)."""
    event = CloudEvent.wrap(payload, source="test", subject=str(subject), correlation_id="r-1")
    return send_event(producer, event)


def listed_ids(http: httpx.Client, path: str, headers: dict[str, str], **params: Any) -> list[str]:
    """Every item id the cursor list at `path` shows, page by page (pages of 2, so that paging
    itself is exercised)."""
    ids: list[str] = []
    cursor: str | None = None
    while True:
        query = {"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        response = http.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        ids += [item["id"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return ids


def identity_headers(
    secret: str,
    *roles: str,
    principal_id: str = "test-key",
    contact_id: str | None = None,
    agent_id: str | None = None,
    team: str | None = None,
) -> dict[str, str]:
    """The header the gateway would add for a caller with `roles`."""
    principal = Principal(
        id=principal_id,
        roles=frozenset(roles),
        contact_id=contact_id,
        agent_id=agent_id,
        team=team,
    )
    return {IDENTITY_HEADER: sign_identity(principal, secret)}


def customer_headers(secret: str, contact_id: str) -> dict[str, str]:
    """The header the gateway would add for the customer token of `contact_id`."""
    return identity_headers(
        secret, CUSTOMER_ROLE, principal_id=f"customer:{contact_id}", contact_id=contact_id
    )


class LiveServer:
    """Serves `app` with uvicorn on a free 127.0.0.1 port in a background thread."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


@contextmanager
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class RunningService:
    """A service under test: its settings, a live server of its app, and an engine on its database."""

    settings: ServiceSettings
    server: LiveServer
    engine: Engine
    metadata: MetaData

    @contextmanager
    def client(self, timeout: float = 30) -> Iterator[httpx.Client]:
        """A client of the server, on emptied tables."""
        truncate_all(self.engine, self.metadata)
        with httpx.Client(base_url=self.server.url, timeout=timeout) as http:
            yield http


@contextmanager
def running_service(
    database: str,
    settings: ServiceSettingsT,
    create_app: Callable[[ServiceSettingsT], FastAPI],
    metadata: MetaData,
    pool_size: int = 4,
) -> Iterator[RunningService]:
    """`create_app(settings)` on a live server, with an engine on `database` (its own, migrated)."""
    engine = make_engine(database, pool_size=pool_size)
    try:
        with live_server(create_app(settings)) as server:
            yield RunningService(settings, server, engine, metadata)
    finally:
        engine.dispose()


@contextmanager
def isolated_service(
    backend: str,
    name: str,
    tmp_dir: str,
    service_dir: Path,
    settings_class: Callable[..., ServiceSettingsT],
    create_app: Callable[[ServiceSettingsT], FastAPI],
    metadata: MetaData,
    *,
    pool_size: int = 4,
    **settings: object,
) -> Iterator[RunningService]:
    """A service on a database of its own (`name`, migrated), its relay and consumers off (tests
    apply events themselves), with `settings` besides."""
    with migrated_database(backend, name, tmp_dir, service_dir) as url:
        values = {
            "environment": "test",
            "database_url": url,
            "log_level": "WARNING",
            "relay_enabled": False,
            "consumers_enabled": False,
            **settings,
        }
        configured = settings_class(**values)
        with running_service(url, configured, create_app, metadata, pool_size) as running:
            yield running


class ServiceProcess:
    """An app factory served by uvicorn in its own process, as in production."""

    def __init__(self, factory: str, env: dict[str, str], log_path: Path, port: int | None = None):
        self.port = port or free_port()
        self.factory, self.env, self.log_path = factory, env, log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        command = [
            sys.executable, "-m", "uvicorn", "--factory", self.factory, "--host", "127.0.0.1",
            "--port", str(self.port), "--no-access-log",
        ]  # fmt: skip
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                command, env={**os.environ, **self.env}, stdout=out, stderr=subprocess.STDOUT
            )
        wait_for_port("127.0.0.1", self.port, timeout=30)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
