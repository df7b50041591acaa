import base64
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from crm_common.db import new_id, transaction
from crm_common.errors import Unprocessable
from crm_common.pagination import SortKey, decode_cursor, encode_cursor, keyset_page

from .conftest import Thing


def test_uuid7_ids_are_time_ordered() -> None:
    ids = [new_id() for _ in range(200)]
    assert [i.version for i in ids[:3]] == [7, 7, 7]
    assert ids == sorted(ids)


def test_timestamps_come_back_aware_in_utc(engine: Engine) -> None:
    plus_two = datetime(2026, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with transaction(engine) as session:
        thing = Thing(name="t", created_at=plus_two)
        session.add(thing)
    with transaction(engine, write=False) as session:
        stored = session.exec(select(Thing)).one()
    assert stored.created_at == datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    assert stored.created_at.tzinfo == UTC


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), transaction(engine) as session:
        session.add(Thing(name="t", created_at=datetime(2026, 1, 1)))
        session.flush()


def test_transaction_rolls_back_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), transaction(engine) as session:
        session.add(Thing(name="lost"))
        session.flush()
        raise RuntimeError("boom")
    with transaction(engine, write=False) as session:
        assert session.exec(select(func.count()).select_from(Thing)).one() == 0


def test_concurrent_read_then_write_transactions_all_commit(engine: Engine) -> None:
    """Read-modify-write from many threads: none fails with 'database is locked'."""
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                with transaction(engine) as session:
                    session.exec(select(func.count()).select_from(Thing)).one()
                    session.add(Thing(name=f"{n}-{i}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with transaction(engine, write=False) as session:
        assert session.exec(select(func.count()).select_from(Thing)).one() == 80


def _names(
    engine: Engine, cursor: str | None, limit: int, descending: bool
) -> tuple[list[str], str | None]:
    keys = [SortKey(Thing.created_at, descending), SortKey(Thing.id, descending)]
    with transaction(engine, write=False) as session:
        rows, next_cursor = keyset_page(session, select(Thing), keys, limit, cursor)
        return [r.name for r in rows], next_cursor


@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_return_every_row_once_while_rows_are_added(
    engine: Engine, descending: bool
) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with transaction(engine) as session:
        # Pairs share a timestamp, so the id tie-breaker matters.
        for i in range(25):
            session.add(Thing(name=f"old-{i:02d}", created_at=base + timedelta(minutes=i // 2)))
    seen: list[str] = []
    cursor = None
    page = 0
    while True:
        names, cursor = _names(engine, cursor, 4, descending)
        seen += names
        page += 1
        if page == 2:
            with transaction(engine) as session:
                session.add(Thing(name="new-late", created_at=base + timedelta(days=1)))
                session.add(Thing(name="new-early", created_at=base - timedelta(days=1)))
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert {f"old-{i:02d}" for i in range(25)} <= set(seen)
    # A row added ahead of the cursor shows up; one added behind it does not.
    assert ("new-late" in seen, "new-early" in seen) == (
        (True, False) if not descending else (False, True)
    )


def test_a_cursor_that_was_not_issued_is_a_422() -> None:
    keys = [SortKey(Thing.id)]
    for bad in ("not-base64!", "W10", "WzEsMl0", "eyJhIjoxfQ"):
        with pytest.raises(Unprocessable) as info:
            decode_cursor(bad, keys)
        assert info.value.errors[0].field == "query.cursor"


@pytest.mark.parametrize(
    "values",
    [
        [None, "0190a1e0-0000-7000-8000-000000000000"],  # null: no row sorts after it
        ["2026-01-01T00:00:00", "0190a1e0-0000-7000-8000-000000000000"],  # no offset
        [
            "0001-01-01T00:00:00+05:00",
            "0190a1e0-0000-7000-8000-000000000000",
        ],  # before year 1 in UTC
        ["2026-01-01T00:00:00+00:00", 5],  # a number where an id belongs
        ["2026-01-01T00:00:00+00:00", "x"],
    ],
)
def test_a_forged_cursor_is_a_422_not_a_crash(values: list[object]) -> None:
    keys = [SortKey(Thing.created_at), SortKey(Thing.id)]
    forged = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
    with pytest.raises(Unprocessable):
        decode_cursor(forged, keys)


def test_a_cursor_timestamp_is_read_back_in_utc() -> None:
    keys = [SortKey(Thing.created_at), SortKey(Thing.id)]
    cursor = encode_cursor(
        [datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))), uuid.UUID(int=1)]
    )
    assert decode_cursor(cursor, keys)[0] == datetime(2026, 1, 1, tzinfo=UTC)
