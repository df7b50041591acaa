"""The routing service app: `uvicorn --factory crm_routing.main:create_app --port 8003`."""

from collections.abc import Sequence

from fastapi import FastAPI

from crm_common import openapi
from crm_common.app import Worker, create_service_app
from crm_common.outbox import OutboxRelay
from crm_routing.agents.router import router as agents_router
from crm_routing.callbacks.router import router as callbacks_router
from crm_routing.callbacks.router import telephony_router as callback_outcomes_router
from crm_routing.calls.dispatch import Dispatcher
from crm_routing.calls.router import router as calls_router
from crm_routing.calls.router import telephony_router
from crm_routing.chats.router import router as chats_router
from crm_routing.chats.router import sessions_router as chat_offers_router
from crm_routing.config import RoutingSettings, get_settings
from crm_routing.db import Outbox
from crm_routing.feed.router import router as feed_router
from crm_routing.handlers import events_consumer
from crm_routing.monitor.router import router as monitor_router
from crm_routing.privacy.router import router as privacy_router
from crm_routing.stats.router import router as stats_router
from crm_routing.web.router import router as web_router
from crm_routing.web.router import rules_router, website_router

DESCRIPTION = (
    "Agents with skills and presence, and the ACD: each ringing call goes to the agent who knows "
    "the caller or the best free expert, else a priority queue. Web sessions that become engaged "
    "are offered a chat or a callback with the agent who knows the visitor or the best expert. "
    "Read models are fed by `crm.contacts` and `crm.orders`; events are published on `crm.routing`. "
    "Marketing callbacks need the contact's phone consent; a contact's data is exported on request "
    "and anonymised when the contact is erased."
)


def create_app(settings: RoutingSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    def workers(app: FastAPI) -> Sequence[Worker]:
        running: list[Worker] = []
        if settings.relay_enabled:
            registry = app.state.metrics.registry
            running.append(OutboxRelay.for_service(app.state.engine, Outbox, settings, registry))
        if settings.consumers_enabled:
            running.append(events_consumer(app.state.engine, settings))
        if settings.dispatch_enabled:
            running.append(Dispatcher(app.state.engine, settings))
        return running

    app = create_service_app(
        settings,
        title="Rapport routing",
        description=DESCRIPTION,
        routers=[
            agents_router,
            calls_router,
            telephony_router,
            web_router,
            website_router,
            rules_router,
            callbacks_router,
            callback_outcomes_router,
            monitor_router,
            stats_router,
            feed_router,
            chats_router,
            chat_offers_router,
            privacy_router,
        ],
        workers=workers,
    )
    openapi.install(app)
    return app
