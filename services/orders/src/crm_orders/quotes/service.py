"""Rules of quotes: priced by the configurator for an open opportunity; sent, then accepted (into an
order, winning the opportunity, in one transaction) or rejected, while still valid."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import utcnow
from crm_common.errors import FieldError
from crm_common.events.orders import OrderLine, QuoteAccepted, QuoteSent, QuoteSnapshot
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_orders import access
from crm_orders.access import EVERYTHING, RowScope
from crm_orders.commerce import SOURCE
from crm_orders.configurator.pricing import LineIn, price_lines
from crm_orders.db import Outbox
from crm_orders.opportunities import repository as opportunity_rows
from crm_orders.opportunities import service as opportunities
from crm_orders.opportunities.errors import OpportunityClosed
from crm_orders.opportunities.models import Opportunity
from crm_orders.orders.service import create_order
from crm_orders.pipelines import service as pipelines
from crm_orders.pipelines.stages import QUOTE_SENT, StageList
from crm_orders.quotes import repository
from crm_orders.quotes.errors import (
    InvalidQuote,
    QuoteExpired,
    QuoteNotFound,
    QuotePricesChanged,
    QuoteStateConflict,
)
from crm_orders.quotes.models import Quote
from crm_orders.quotes.schemas import QuoteAccept, QuoteCreate, QuoteRead, QuoteReject
from crm_orders.sales import money_text


def today() -> date:
    return utcnow().date()


def _status(quote: Quote, on: date) -> str:
    if quote.status in repository.OPEN and quote.valid_until < on:
        return "expired"
    return quote.status


def to_read(quote: Quote) -> QuoteRead:
    return QuoteRead(
        id=quote.id,
        number=quote.number,
        opportunity_id=quote.opportunity_id,
        contact_id=quote.contact_id,
        status=_status(quote, today()),
        currency=quote.currency,
        valid_until=quote.valid_until,
        lines=[OrderLine.model_validate(line) for line in quote.lines],
        total=Decimal(quote.total),
        order_id=quote.order_id,
        reject_reason=quote.reject_reason,
        sent_at=quote.sent_at,
        decided_at=quote.decided_at,
        version=quote.version,
        created_at=quote.created_at,
        updated_at=quote.updated_at,
    )


def snapshot(quote: Quote) -> QuoteSnapshot:
    read = to_read(quote)
    return QuoteSnapshot.model_validate(read.model_dump(include=set(QuoteSnapshot.model_fields)))


def require(
    session: Session, quote_id: uuid.UUID, scope: RowScope, *, for_update: bool = False
) -> Quote:
    """The quote, if `scope` covers it (one outside the caller's rows is not found either)."""
    quote = repository.get(
        session, quote_id, for_update=for_update, visible=access.quotes_visible(scope)
    )
    if quote is None:
        raise QuoteNotFound(quote_id)
    return quote


def get_quote(session: Session, quote_id: uuid.UUID, scope: RowScope) -> QuoteRead:
    return to_read(require(session, quote_id, scope))


def list_quotes(
    session: Session,
    opportunity_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
    scope: RowScope,
) -> Paged[QuoteRead]:
    rows, next_cursor = repository.list_page(
        session, opportunity_id, status, today(), limit, cursor, access.quotes_visible(scope)
    )
    return [to_read(q) for q in rows], next_cursor


def create_quote(session: Session, data: QuoteCreate, scope: RowScope) -> QuoteRead:
    """A draft quote with priced lines; 422 listing every line problem (an opportunity outside
    the caller's rows is no such opportunity), 409 on a closed deal."""
    errors: list[FieldError] = []
    opportunity = opportunity_rows.get(
        session, data.opportunity_id, visible=access.opportunities_visible(scope)
    )
    if opportunity is None:
        errors.append(
            FieldError(
                field="body.opportunity_id",
                message="no such opportunity",
                code="unknown_opportunity",
            )
        )
    if data.valid_until < today():
        errors.append(
            FieldError(
                field="body.valid_until", message="must not be in the past", code="in_the_past"
            )
        )
    currency = data.currency or (opportunity.currency if opportunity else None)
    if opportunity is not None and currency is None:
        errors.append(
            FieldError(
                field="body.currency",
                message="needed: the opportunity has no currency",
                code="currency_required",
            )
        )
    if errors or opportunity is None or currency is None:
        raise InvalidQuote(errors)
    _require_open(session, opportunity)
    lines = price_lines(session, data.lines, currency)
    now = utcnow()
    total = sum((line.line_total for line in lines), Decimal("0.00"))
    quote = Quote(
        number=f"Q-{repository.next_number(session):06d}",
        opportunity_id=opportunity.id,
        contact_id=opportunity.contact_id,
        currency=currency,
        valid_until=data.valid_until,
        lines=[
            OrderLine.model_validate(line.model_dump()).model_dump(mode="json") for line in lines
        ],
        total=money_text(total),
        created_at=now,
        updated_at=now,
    )
    session.add(quote)
    return to_read(quote)


def send_quote(
    session: Session, quote_id: uuid.UUID, principal: Principal, scope: RowScope
) -> QuoteRead:
    """draft → sent; the opportunity moves to quote_sent when it is in an earlier stage."""
    quote = require(session, quote_id, scope, for_update=True)
    if _status(quote, today()) == "expired":
        raise QuoteExpired(quote.id, quote.valid_until)
    if quote.status != "draft":
        raise QuoteStateConflict(quote.id, quote.status, "sent", "draft")
    opportunity = opportunities.require(session, quote.opportunity_id, EVERYTHING, for_update=True)
    stages = _require_open(session, opportunity)
    now = utcnow()
    quote.status = "sent"
    quote.sent_at = now
    _touch(quote)
    target = stages.get(QUOTE_SENT)
    current = stages.get(opportunity.stage)
    if target is not None and current is not None and current.position < target.position:
        opportunities.enter_stage(session, opportunity, stages, target, principal)
    add_event(
        session, Outbox, QuoteSent(quote=snapshot(quote)), source=SOURCE, subject=str(quote.id)
    )
    return to_read(quote)


def accept_quote(
    session: Session, quote_id: uuid.UUID, data: QuoteAccept, principal: Principal, scope: RowScope
) -> QuoteRead:
    """sent → accepted: the order (with quote_id), the opportunity won with it, both events; one
    transaction, so a refused order leaves the quote and the opportunity as they were."""
    quote = require(session, quote_id, scope, for_update=True)
    if _status(quote, today()) == "expired":
        raise QuoteExpired(quote.id, quote.valid_until)
    if quote.status != "sent":
        raise QuoteStateConflict(quote.id, quote.status, "accepted", "sent")
    opportunity = opportunities.require(session, quote.opportunity_id, EVERYTHING, for_update=True)
    stages = _require_open(session, opportunity)
    won = stages.first_of_kind("won")
    if won is None:  # every pipeline has one (stage_list_errors)
        raise OpportunityClosed(opportunity.id, opportunity.stage)
    order = create_order(
        session,
        contact_id=quote.contact_id,
        currency=quote.currency,
        lines=[_line_in(line) for line in quote.lines],
        delivery_address=data.delivery_address,
        principal=principal,
        quote_id=quote.id,
    )
    if order.total != Decimal(quote.total):
        raise QuotePricesChanged(quote.id, quote.total, money_text(order.total))
    now = utcnow()
    quote.status = "accepted"
    quote.order_id = order.id
    quote.decided_at = now
    _touch(quote)
    opportunities.enter_stage(session, opportunity, stages, won, principal, order_id=order.id)
    add_event(
        session,
        Outbox,
        QuoteAccepted(quote=snapshot(quote), order_id=order.id),
        source=SOURCE,
        subject=str(quote.id),
    )
    return to_read(quote)


def reject_quote(
    session: Session, quote_id: uuid.UUID, data: QuoteReject, scope: RowScope
) -> QuoteRead:
    """sent → rejected (an expired quote needs no rejection: 409)."""
    quote = require(session, quote_id, scope, for_update=True)
    if _status(quote, today()) == "expired":
        raise QuoteExpired(quote.id, quote.valid_until)
    if quote.status != "sent":
        raise QuoteStateConflict(quote.id, quote.status, "rejected", "sent")
    quote.status = "rejected"
    quote.reject_reason = data.reason
    quote.decided_at = utcnow()
    _touch(quote)
    return to_read(quote)


def _require_open(session: Session, opportunity: Opportunity) -> StageList:
    stages = pipelines.stages_of(pipelines.require(session, opportunity.pipeline_id))
    stage = stages.get(opportunity.stage)
    if stage is not None and stage.closed:
        raise OpportunityClosed(opportunity.id, opportunity.stage)
    return stages


def _line_in(line: dict[str, Any]) -> LineIn:
    """A stored quote line as the order takes it (the order prices it again)."""
    return LineIn(
        product_id=line["product_id"],
        options=line["options"],
        quantity=line["quantity"],
        discount_percent=Decimal(str(line["discount_percent"])),
    )


def _touch(quote: Quote) -> None:
    quote.version += 1
    quote.updated_at = utcnow()
