"""Database mechanisms: per-service metadata, engines, the request session and `transaction()`."""

from __future__ import annotations

import functools
import inspect
import threading
import uuid
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, get_type_hints

import uuid_utils
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from sqlalchemy import DateTime, Engine, MetaData, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry
from sqlalchemy.pool import NullPool, StaticPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_registry() -> registry:
    """A registry with its own metadata: pass it as `class Base(SQLModel, registry=...)`."""
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for Core inserts on hot paths."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def conflict_insert(dialect: str) -> Callable[[Table], Any]:
    """`insert` of the dialect named `dialect` (PostgreSQL or SQLite), the one with
    `on_conflict_do_nothing` / `on_conflict_do_update`: upserts are written once for both."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def new_id() -> uuid.UUID:
    """A time-ordered UUID (version 7)."""
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp that always comes back in UTC, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; timestamps must carry a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for SQLite or PostgreSQL with the settings each needs."""
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            engine = create_engine(
                url, connect_args={"check_same_thread": False}, poolclass=StaticPool
            )
        else:
            _ensure_sqlite_dir(url)
            engine = create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=pool_size,
                max_overflow=20,
            )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)


def make_null_pool_engine(url: str) -> Engine:
    """An engine without pooling, for migrations and one-off scripts."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, poolclass=NullPool)
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        _configure_sqlite(engine)
    return engine


def _ensure_sqlite_dir(url: str) -> None:
    from pathlib import Path

    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and explicit BEGIN so that writers take the lock up front.

    A deferred SQLite transaction that reads and then writes fails with "database is locked" when
    another writer got in between; write transactions therefore start with BEGIN IMMEDIATE.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    # Writers of this process queue on a lock and take turns at once, instead of sleeping in SQLite's
    # busy handler (which backs off up to 100 ms per try and makes the tail latency explode).
    write_lock = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not conn.get_execution_options().get("sqlite_immediate", True):
            conn.exec_driver_sql("BEGIN")
            return
        write_lock.acquire()
        conn.info["holds_write_lock"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn)
            raise

    def _release(conn: Any) -> None:
        if conn.info.pop("holds_write_lock", False):
            write_lock.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)


def open_session(engine: Engine, *, write: bool = True) -> Session:
    """A session on `engine` (no I/O until its first statement). On SQLite a read-only session
    begins a plain deferred transaction and never waits for the write lock."""
    if engine.dialect.name == "sqlite" and not write:
        engine = _readers.setdefault(engine, engine.execution_options(sqlite_immediate=False))
    return Session(engine, expire_on_commit=False)


_readers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One unit of work outside HTTP (relays, consumers, scripts): commit on success, else roll back."""
    session = open_session(engine, write=write)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def request_session(request: Request) -> AsyncIterator[Session]:
    """The request's session, committed when the endpoint returns and rolled back when it raises.

    Opening costs no I/O and no thread hop. A sync endpoint on a `ServiceRoute` commits in its own
    worker thread as it returns; anything else is committed here, in one hop to a worker thread.
    """
    session = open_session(request.app.state.engine, write=request.method not in SAFE_METHODS)
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end, session, commit=False)
        raise
    if session.in_transaction():
        await run_in_threadpool(_end, session, commit=True)
    else:
        session.close()  # committed by ServiceRoute: the connection is back in the pool, no I/O


def _end(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(request_session, scope="function")]


class ServiceRoute(APIRoute):
    """The route class of every service router: a sync endpoint taking a `SessionDep` commits that
    session in the worker thread it already runs in, saving the request a second thread hop."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _committing(endpoint), **kwargs)


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(endpoint):
        return endpoint
    hints = get_type_hints(endpoint, include_extras=True)
    names = [name for name, hint in hints.items() if hint == SessionDep]
    if len(names) != 1:
        return endpoint
    name = names[0]

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        kwargs[name].commit()  # a failure here reaches request_session, which rolls back
        return result

    return run


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
