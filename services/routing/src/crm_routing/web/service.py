"""Rules of web sessions: storing beacons, engaging a session once, and offering it to an agent;
and the engagement rules' configuration."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from crm_common.db import new_id, utcnow
from crm_common.errors import FieldError
from crm_common.events.routing import (
    EngagementRuleChanged,
    EngagementRuleSnapshot,
    EngagementStep,
    WebOffer,
    WebPage,
    WebSessionEngaged,
)
from crm_common.http import check_if_match
from crm_common.outbox import add_event
from crm_common.pagination import Paged
from crm_routing.access import RowScope
from crm_routing.agents import repository as agents
from crm_routing.agents.models import Agent
from crm_routing.calls import choice
from crm_routing.calls import repository as calls
from crm_routing.chats import repository as chats
from crm_routing.chats.errors import WebSessionNotFound
from crm_routing.config import RoutingSettings
from crm_routing.db import SOURCE, Outbox
from crm_routing.feed import service as feed
from crm_routing.readmodel import repository as readmodel
from crm_routing.web import engagement, repository
from crm_routing.web.errors import InvalidRequest, RuleNotFound
from crm_routing.web.models import EngagementRule, PageView, WebSession, WebVisitor
from crm_routing.web.schemas import (
    BeaconAnswer,
    BeaconBatch,
    EngagementRuleCreate,
    EngagementRuleRead,
    EngagementRuleUpdate,
    Offer,
    PageBeacon,
    StepIn,
    StepRead,
)

EVENT_PAGES = 100


def _group(batch: BeaconBatch) -> dict[str, list[tuple[int, PageBeacon]]]:
    """Beacons by session, sessions in the order they first appear; one visitor per session."""
    groups: dict[str, list[tuple[int, PageBeacon]]] = {}
    errors: list[FieldError] = []
    for index, beacon in enumerate(batch.events):
        group = groups.setdefault(beacon.session_id, [])
        if group and group[0][1].visitor_id != beacon.visitor_id:
            errors.append(_other_visitor(index, beacon.session_id, group[0][1].visitor_id))
        group.append((index, beacon))
    if errors:
        raise InvalidRequest(errors)
    return groups


def _other_visitor(index: int, session_id: str, visitor_id: str) -> FieldError:
    return FieldError(
        field=f"body.events.{index}.visitor_id",
        message=f"session {session_id} belongs to visitor {visitor_id}",
        code="session_of_other_visitor",
    )


def _sessions(
    session: Session, groups: dict[str, list[tuple[int, PageBeacon]]], now: datetime
) -> dict[str, WebSession]:
    """The batch's sessions, locked, the new ones created (a concurrent creator's row wins and is
    read); 422 when a stored session belongs to another visitor."""
    ids = list(groups)
    found = {web.session_id: web for web in repository.sessions_locked(session, ids)}
    missing = [session_id for session_id in ids if session_id not in found]
    if missing:
        rows = []
        for session_id in missing:
            beacon = groups[session_id][0][1]
            rows.append(
                {
                    "session_id": session_id,
                    "visitor_id": beacon.visitor_id,
                    "page_views": 0,
                    "first_page_at": beacon.occurred_at,
                    "last_page_at": beacon.occurred_at,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        repository.insert_absent(session, WebSession, rows)
        found.update({web.session_id: web for web in repository.sessions_locked(session, missing)})
    errors = [
        _other_visitor(items[0][0], session_id, found[session_id].visitor_id)
        for session_id, items in groups.items()
        if found[session_id].visitor_id != items[0][1].visitor_id
    ]
    if errors:
        raise InvalidRequest(errors)
    return found


def _visitors(session: Session, visitor_ids: set[str], now: datetime) -> dict[str, WebVisitor]:
    ids = sorted(visitor_ids)
    found = {v.visitor_id: v for v in repository.visitors_locked(session, ids)}
    missing = [visitor_id for visitor_id in ids if visitor_id not in found]
    if missing:
        rows = [{"visitor_id": v, "first_seen_at": now, "last_seen_at": now} for v in missing]
        repository.insert_absent(session, WebVisitor, rows)
        found.update({v.visitor_id: v for v in repository.visitors_locked(session, missing)})
    return found


def _known_contact(web: WebSession, visitor: WebVisitor, beacons: Sequence[PageBeacon]) -> None:
    """A signed-in contact makes the device theirs; a device seen with a contact makes it known."""
    signed_in = next((b.contact_id for b in reversed(beacons) if b.contact_id is not None), None)
    if signed_in is not None:
        visitor.contact_id = web.contact_id = signed_in
    elif web.contact_id is None:
        web.contact_id = visitor.contact_id


def record_beacons(session: Session, batch: BeaconBatch, settings: RoutingSettings) -> BeaconAnswer:
    """Store the page views; each session that becomes engaged is offered to an agent. The answer
    carries the offer of the last session engaged by this batch. The batch's sessions, visitors
    and page views are read and written a statement for all, not one per session."""
    groups = _group(batch)
    now = utcnow()
    rules = _rules(session, settings)
    webs = _sessions(session, groups, now)
    visitors = _visitors(session, {web.visitor_id for web in webs.values()}, now)
    views: list[dict[str, object]] = []
    for session_id, items in groups.items():
        web, beacons = webs[session_id], [beacon for _, beacon in items]
        visitor = visitors[web.visitor_id]
        _known_contact(web, visitor, beacons)
        visitor.last_seen_at = now
        views.extend(_page_view(session_id, beacon, now) for beacon in beacons)
        web.page_views += len(beacons)
        web.first_page_at = min(web.first_page_at, *(b.occurred_at for b in beacons))
        web.last_page_at = max(web.last_page_at, *(b.occurred_at for b in beacons))
        web.updated_at = now
    repository.add_page_views(session, views)
    session.flush()
    candidates = [
        session_id
        for session_id, web in webs.items()
        if web.engaged_at is None and engagement.may_hold(rules, web.page_views)
    ]
    offer: Offer | None = None
    if candidates:
        pages = repository.pages_of_sessions(session, candidates)
        waiting = calls.waiting_count(session)
        for session_id in candidates:
            web = webs[session_id]
            engaged, made = _engage(session, web, pages[session_id], rules, settings, now, waiting)
            if engaged:
                offer = made
    return BeaconAnswer(offer=offer)


def _page_view(session_id: str, beacon: PageBeacon, now: datetime) -> dict[str, object]:
    return {
        "id": new_id(),
        "session_id": session_id,
        "url": beacon.url,
        "path": engagement.url_path(beacon.url),
        "category": beacon.category,
        "title": beacon.title,
        "occurred_at": beacon.occurred_at,
        "received_at": now,
    }


def _rules(session: Session, settings: RoutingSettings) -> list[engagement.Rule]:
    configured = [
        engagement.Rule(
            name=rule.name,
            kind=rule.kind,  # type: ignore[arg-type]
            threshold=rule.threshold or 0,
            steps=tuple(engagement.Step(s.get("url"), s.get("category")) for s in rule.steps),
        )
        for rule in repository.active_rules(session)
    ]
    return configured or engagement.default_rules(settings.engage_at_page_views)


def _engage(
    session: Session,
    web: WebSession,
    views: Sequence[PageView],
    rules: Sequence[engagement.Rule],
    settings: RoutingSettings,
    now: datetime,
    waiting: int,
) -> tuple[bool, Offer | None]:
    """Engage the session if a rule holds, with the offer made to it (none while more than
    `web_max_waiting_calls` calls wait): one conditional update writes both."""
    pages = [engagement.Page(v.path, v.category, v.occurred_at) for v in views]
    rule = engagement.engaging_rule(rules, pages)
    if rule is None:
        return False, None
    category = engagement.dominant_category(pages)
    offer = (
        None
        if waiting > settings.web_max_waiting_calls
        else _offer(session, web, category, settings, now)
    )
    written: dict[str, Any] = {
        "engaged_at": now,
        "engaged_by": rule.name,
        "category": category,
        "offer_type": None if offer is None else offer.type,
        "offer_agent_id": None if offer is None else offer.agent_id,
        "offered_at": None if offer is None else now,
        "updated_at": now,
    }
    if not repository.mark_engaged(session, web.session_id, written):
        return False, None  # engaged meanwhile by a concurrent request
    for name, value in written.items():  # what the conditional update wrote, without a re-read
        set_committed_value(web, name, value)
    if offer is not None:
        feed.web_offer(session, web, offer.type, offer.agent_id, views, now)
    add_event(
        session,
        Outbox,
        WebSessionEngaged(
            session_id=web.session_id,
            visitor_id=web.visitor_id,
            contact_id=web.contact_id,
            rule=rule.name,
            category=category,
            page_views=web.page_views,
            pages=[
                WebPage(url=v.url, category=v.category, title=v.title, occurred_at=v.occurred_at)
                for v in views[-EVENT_PAGES:]
            ],
            offer=None
            if offer is None
            else WebOffer(type=offer.type, agent_id=offer.agent_id, agent_name=offer.agent_name),
            engaged_at=now,
        ),
        source=SOURCE,
        subject=web.session_id,
    )
    return True, offer


def _preferred(session: Session, contact_id: uuid.UUID | None) -> list[str]:
    """Who worked with the contact: its owner, then the agent who last answered its call."""
    if contact_id is None:
        return []
    preferred: list[str] = []
    contact = readmodel.get_contact(session, contact_id)
    if contact is not None and contact.merged_into_id is not None:
        contact_id = contact.merged_into_id
        contact = readmodel.get_contact(session, contact_id)
    if contact is not None and contact.owner_id:
        preferred.append(contact.owner_id)
    last = calls.last_agent(session, contact_id, None)
    if last is not None and str(last) not in preferred:
        preferred.append(str(last))
    return preferred


def _is_free(agent: Agent, now: datetime) -> bool:
    """Neither on a call nor in wrap-up: it can chat now."""
    return agent.current_call_id is None and (
        agent.wrap_up_until is None or agent.wrap_up_until <= now
    )


def _candidate(agent: Agent) -> choice.Candidate:
    return choice.Candidate(
        id=str(agent.id), skills=agent.skills, ready_since=agent.ready_since or agent.created_at
    )


def _pick(
    preferred: Sequence[str], category: str | None, eligible: Sequence[Agent], now: datetime
) -> Agent | None:
    """Who worked with the visitor when they can take it; else the best expert free to chat; else
    the best expert ready but on a call (a callback)."""
    by_id = {str(a.id): a for a in eligible}
    for agent_id in preferred:
        if agent_id in by_id:
            return by_id[agent_id]
    caller = choice.Caller(category=category)
    for pool in (
        [a for a in eligible if _is_free(a, now)],
        [a for a in eligible if not _is_free(a, now)],
    ):
        chosen = choice.choose_agent(caller, [_candidate(a) for a in pool])
        if chosen is not None:
            return by_id[chosen.id]
    return None


def _offer(
    session: Session,
    web: WebSession,
    category: str | None,
    settings: RoutingSettings,
    now: datetime,
) -> Offer | None:
    since = now - timedelta(seconds=settings.chat_offer_seconds)
    preferred = _preferred(session, web.contact_id)
    # Ready agents under capacity (open chats and chat offers not accepted yet hold places of
    # max_concurrent_chats): the ones the choice needs, read in SQL.
    eligible = chats.chat_candidates(
        session,
        now,
        since,
        preferred=[i for i in (agents.agent_id_of(p) for p in preferred) if i is not None],
        category=category,
    )
    while eligible:
        chosen = _pick(preferred, category, eligible, now)
        if chosen is None:
            return None
        # The agent's row lock makes concurrent offers count each other.
        agent = agents.get(session, chosen.id, for_update=True)
        if (
            agent is not None
            and agent.presence == "ready"
            and chats.chat_load(session, agent.id, since) < agent.max_concurrent_chats
        ):
            kind = "chat" if _is_free(agent, now) else "callback"
            return Offer(
                type=kind, agent_id=agent.id, agent_name=agent.name, session_id=web.session_id
            )
        eligible = [a for a in eligible if a.id != chosen.id]
    return None


# --- engagement rules ------------------------------------------------------------------------------


def require_visible_session(
    session: Session, session_id: str, rows: RowScope, *, for_update: bool = False
) -> WebSession:
    """The web session, when the caller's rows hold it (a website: every session); 404
    otherwise, whether or not it exists."""
    web = repository.get_session(session, session_id, for_update=for_update, rows=rows)
    if web is None:
        raise WebSessionNotFound(session_id)
    return web


def rule_read(rule: EngagementRule) -> EngagementRuleRead:
    return EngagementRuleRead(
        id=rule.id,
        name=rule.name,
        kind=rule.kind,
        threshold=rule.threshold,
        steps=[StepRead(url=s.get("url"), category=s.get("category")) for s in rule.steps],
        position=rule.position,
        active=rule.active,
        version=rule.version,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


def _rule_changed(
    session: Session, rule: EngagementRule, action: Literal["created", "updated", "deleted"]
) -> None:
    snapshot = EngagementRuleSnapshot(
        id=rule.id,
        name=rule.name,
        kind=rule.kind,
        threshold=rule.threshold,
        steps=[EngagementStep(url=s.get("url"), category=s.get("category")) for s in rule.steps],
        position=rule.position,
        active=rule.active,
        version=rule.version,
        updated_at=rule.updated_at,
    )
    add_event(
        session,
        Outbox,
        EngagementRuleChanged(action=action, rule=snapshot),
        source=SOURCE,
        subject=str(rule.id),
    )


def _shape(
    kind: str, threshold: int | None, steps: Sequence[StepIn]
) -> tuple[int | None, list[dict[str, str | None]]]:
    """A threshold for depth, pages and time; steps for sequence (the other field is dropped)."""
    if kind == "sequence":
        if not steps:
            raise InvalidRequest(
                [FieldError(field="body.steps", message="a sequence needs steps", code="missing")]
            )
        return None, [{"url": s.url, "category": s.category} for s in steps]
    if threshold is None:
        raise InvalidRequest(
            [
                FieldError(
                    field="body.threshold", message=f"{kind} needs a threshold", code="missing"
                )
            ]
        )
    return threshold, []


def create_rule(session: Session, data: EngagementRuleCreate) -> EngagementRuleRead:
    threshold, steps = _shape(data.kind, data.threshold, data.steps)
    now = utcnow()
    rule = EngagementRule(
        name=data.name,
        kind=data.kind,
        threshold=threshold,
        steps=steps,
        position=data.position,
        active=data.active,
        created_at=now,
        updated_at=now,
    )
    session.add(rule)
    session.flush()
    _rule_changed(session, rule, "created")
    return rule_read(rule)


def get_rule(session: Session, rule_id: uuid.UUID) -> EngagementRuleRead:
    rule = repository.get_rule(session, rule_id)
    if rule is None:
        raise RuleNotFound(rule_id)
    return rule_read(rule)


def list_rules(session: Session, limit: int, cursor: str | None) -> Paged[EngagementRuleRead]:
    rows, next_cursor = repository.list_rules(session, limit, cursor)
    return [rule_read(r) for r in rows], next_cursor


def update_rule(
    session: Session, rule_id: uuid.UUID, data: EngagementRuleUpdate, if_match: str | None
) -> EngagementRuleRead:
    rule = repository.get_rule(session, rule_id, for_update=True)
    if rule is None:
        raise RuleNotFound(rule_id)
    check_if_match(if_match, rule.version)
    changes = data.model_dump(exclude_unset=True)
    kind = changes.get("kind", rule.kind)
    threshold = changes.get("threshold", rule.threshold)
    steps = data.steps if data.steps is not None else [StepIn(**s) for s in rule.steps]
    threshold, stored_steps = _shape(kind, threshold, steps)
    values = {
        "name": changes.get("name", rule.name),
        "kind": kind,
        "threshold": threshold,
        "steps": stored_steps,
        "position": changes.get("position", rule.position),
        "active": changes.get("active", rule.active),
    }
    if all(getattr(rule, field) == value for field, value in values.items()):
        return rule_read(rule)
    for field, value in values.items():
        setattr(rule, field, value)
    rule.version += 1
    rule.updated_at = utcnow()
    session.add(rule)
    session.flush()
    _rule_changed(session, rule, "updated")
    return rule_read(rule)


def delete_rule(session: Session, rule_id: uuid.UUID, if_match: str | None) -> None:
    rule = repository.get_rule(session, rule_id, for_update=True)
    if rule is None:
        raise RuleNotFound(rule_id)
    check_if_match(if_match, rule.version)
    _rule_changed(session, rule, "deleted")
    session.delete(rule)
