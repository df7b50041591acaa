"""The bare reference: a FastAPI + SQLModel app that inserts one row (a contact, an order), looks one
up by phone, stores a batch of page views, and echoes a body.

No auth, no validation beyond the schema, no outbox, no middleware: what the contacts service is
compared against in `make bench`.
"""

import os
import uuid

from fastapi import FastAPI, HTTPException
from sqlalchemy import create_engine, event
from sqlmodel import Field, Session, SQLModel, select


class BareContact(SQLModel, table=True):
    __tablename__ = "bare_contacts"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    first_name: str
    last_name: str
    email: str
    phone: str = Field(index=True)


class BareOrder(SQLModel, table=True):
    __tablename__ = "bare_orders"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    contact_id: uuid.UUID
    currency: str
    total: str
    payload: str


class BareOrderIn(SQLModel):
    contact_id: uuid.UUID
    currency: str
    total: str
    payload: str


class BarePageView(SQLModel, table=True):
    __tablename__ = "bare_page_views"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    session_id: str = Field(index=True)
    url: str
    occurred_at: str


class BarePageViewIn(SQLModel):
    session_id: str
    url: str
    occurred_at: str


class BarePageViews(SQLModel):
    events: list[BarePageViewIn]


class BareContactIn(SQLModel):
    first_name: str
    last_name: str
    email: str
    phone: str


def create_app() -> FastAPI:
    engine = create_engine(
        os.environ["BARE_DATABASE_URL"], connect_args={"check_same_thread": False}, pool_size=10
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    SQLModel.metadata.create_all(engine)
    app = FastAPI()

    @app.post("/contacts", status_code=201)
    def create(body: BareContactIn) -> BareContact:
        with Session(engine) as session:
            row = BareContact.model_validate(body)
            session.add(row)
            session.commit()
            session.refresh(row)
            return row

    @app.post("/orders", status_code=201)
    def create_order(body: BareOrderIn) -> BareOrder:
        with Session(engine) as session:
            row = BareOrder.model_validate(body)
            session.add(row)
            session.commit()
            session.refresh(row)
            return row

    @app.post("/page-views")
    def page_views(body: BarePageViews) -> dict[str, int]:
        with Session(engine) as session:
            session.add_all(BarePageView.model_validate(e) for e in body.events)
            session.commit()
            return {"accepted": len(body.events)}

    @app.post("/echo")
    def echo(body: dict[str, object]) -> dict[str, object]:
        return body

    @app.get("/contacts/by-phone/{phone}")
    def by_phone(phone: str) -> BareContact:
        with Session(engine) as session:
            row = session.exec(select(BareContact).where(BareContact.phone == phone)).first()
            if row is None:
                raise HTTPException(404)
            return row

    return app
