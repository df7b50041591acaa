"""Orders benchmarks: orders placed per second, the configurator at 200 rules, and the time from an
order placed at the gateway to the ERP consumer receiving it."""

import json
import random
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.harness import compare_throughput, load, percentile, summary
from bench.receiver import Receiver
from crm_common.broker import LocalBroker
from crm_common.migrations import upgrade
from crm_common.testing import ServiceProcess as Server
from crm_orders.configurator.engine import OptionSpec, RuleSpec, compile_product, evaluate
from crm_orders.migrate import SERVICE_DIR as ORDERS_DIR

ADDRESS = {"line1": "1 Market St", "postal_code": "94105", "city": "San Francisco", "country": "US"}


def simple_product(sku: str) -> dict[str, Any]:
    return {
        "sku": sku,
        "name": "Street light",
        "category": "lighting",
        "base_price": "1200.00",
        "currency": "EUR",
        "options": [
            {
                "group": "fixture",
                "required": True,
                "values": [{"code": "F1"}, {"code": "F2", "price_delta": "80.00"}],
            },
            {
                "group": "lamp",
                "required": True,
                "values": [{"code": "L1"}, {"code": "L2", "price_delta": "45.50"}],
            },
        ],
        "rules": [{"if": {"fixture": "F2"}, "excludes": {"lamp": "L2"}}],
    }


def rule_product(sku: str, groups: int = 10, values: int = 10, rules: int = 200) -> dict[str, Any]:
    """A product with `groups` option groups of `values` values and `rules` requires/excludes rules
    between them (seeded, so every run measures the same product)."""
    rng = random.Random(7)
    names = [f"g{g}" for g in range(groups)]
    options = [
        {
            "group": name,
            "required": g < groups // 2,
            "values": [{"code": f"{name}v{v}", "price_delta": f"{v}.50"} for v in range(values)],
        }
        for g, name in enumerate(names)
    ]
    rule_list = []
    for _ in range(rules):
        a, b = rng.sample(names, 2)
        kind = "excludes" if rng.random() < 0.7 else "requires"
        rule_list.append(
            {"if": {a: f"{a}v{rng.randrange(values)}"}, kind: {b: f"{b}v{rng.randrange(values)}"}}
        )
    return {**simple_product(sku), "name": "Configurable", "options": options, "rules": rule_list}


def configurations(body: dict[str, Any], count: int) -> list[dict[str, str]]:
    rng = random.Random(11)
    groups = body["options"]
    return [
        {
            g["group"]: g["values"][rng.randrange(len(g["values"]))]["code"]
            for g in groups
            if g["required"] or rng.random() < 0.5
        }
        for _ in range(count)
    ]


def configurator(orders: Server, bare: Server, headers: dict[str, str], count: int) -> None:
    body = rule_product("BENCH-RULES")
    with httpx.Client(base_url=orders.url, headers=headers, timeout=30) as client:
        created = client.post("/v1/products", json=body)
        assert created.status_code == 201, created.text
        product_id = created.json()["id"]
    picks = configurations(body, count)
    print(
        f"\n== Configurator: {len(body['rules'])} rules, {len(body['options'])} option groups ({count} checks) =="
    )

    compiled = compile_product(
        Decimal(body["base_price"]),
        [
            OptionSpec(
                o["group"],
                o["required"],
                {v["code"]: Decimal(v["price_delta"]) for v in o["values"]},
            )
            for o in body["options"]
        ],
        [
            RuleSpec(when=r["if"], excludes=r.get("excludes", {}), requires=r.get("requires", {}))
            for r in body["rules"]
        ],
    )
    in_process = []
    valid = 0
    for options in picks:
        started = time.perf_counter()
        result = evaluate(compiled, options, 3)
        in_process.append((time.perf_counter() - started) * 1000)
        valid += result.valid
    print(f"engine in process            : {summary(in_process)}  ({valid} of {count} valid)")
    engine_p99 = percentile(in_process, 99)
    print(
        f"rule engine p99              : {engine_p99:.2f} ms (target < 5 ms)  "
        f"{'OK' if engine_p99 < 5 else 'ABOVE TARGET'}"
    )

    async def validate(client: httpx.AsyncClient, i: int) -> httpx.Response:
        payload = {"product_id": product_id, "options": picks[i], "quantity": 3}
        return await client.post("/v1/configurations/validate", json=payload, headers=headers)

    async def echo(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.post(
            "/echo", json={"product_id": product_id, "options": picks[i], "quantity": 3}
        )

    load(orders.url, validate, 100, 1)
    load(bare.url, echo, 100, 1)
    ref = load(bare.url, echo, count, 1, {200})
    svc = load(orders.url, validate, count, 1, {200})
    print(f"bare FastAPI echo of the body: {summary(ref.latencies_ms)}  failures {ref.failures}")
    print(f"POST /v1/configurations/validate: {summary(svc.latencies_ms)}  failures {svc.failures}")
    print(
        f"ratio p50 service/bare       : {svc.pct(50) / ref.pct(50):.2f};  "
        f"p99 service/bare {svc.pct(99) / ref.pct(99):.2f}  (the HTTP path around the engine)"
    )


def placed_per_second(
    orders: Server, bare: Server, headers: dict[str, str], count: int, concurrency: int, rounds: int
) -> None:
    with httpx.Client(base_url=orders.url, headers=headers, timeout=30) as client:
        created = client.post("/v1/products", json=simple_product("BENCH-THROUGHPUT"))
        assert created.status_code == 201, created.text
        product_id = created.json()["id"]
    contact_id = str(uuid.uuid4())
    lines = [{"product_id": product_id, "options": {"fixture": "F1", "lamp": "L2"}, "quantity": 2}]

    async def post_order(client: httpx.AsyncClient, i: int) -> httpx.Response:
        body = {
            "contact_id": contact_id,
            "currency": "EUR",
            "lines": lines,
            "delivery_address": ADDRESS,
        }
        return await client.post("/v1/orders", json=body, headers=headers)

    async def post_bare(client: httpx.AsyncClient, i: int) -> httpx.Response:
        payload = json.dumps({"lines": lines, "delivery_address": ADDRESS})
        body = {"contact_id": contact_id, "currency": "EUR", "total": "2491.00", "payload": payload}
        return await client.post("/orders", json=body)

    compare_throughput(
        "Orders placed per second (SQLite)",
        ("bare FastAPI+SQLModel one-row insert", "orders service (priced, reserved, outbox)"),
        (bare.url, post_bare),
        (orders.url, post_order),
        count=count,
        concurrency=concurrency,
        rounds=rounds,
        target=0.4,
    )


def placed_to_erp(
    broker: LocalBroker,
    work: Path,
    orders_url: str,
    orders_db: str,
    secret: str,
    count: int,
    drain: Callable[[str, float], None],
) -> None:
    """Orders placed through the gateway at ~20/s; when does a consumer on crm.orders see each?"""
    print(f"\n== Order placed at the gateway -> ERP consumer received ({count} orders, ~20/s) ==")
    gateway_db = f"sqlite:///{work}/gateway.db"
    from crm_gateway.migrate import SERVICE_DIR as GATEWAY_DIR

    upgrade(GATEWAY_DIR, gateway_db)
    admin_key = "rk_bench_" + uuid.uuid4().hex
    env = {
        "CRM_GATEWAY_DATABASE_URL": gateway_db,
        "CRM_ORDERS_URL": orders_url,
        "CRM_BOOTSTRAP_API_KEY": admin_key,
        "CRM_INTERNAL_SECRET": secret,
        "CRM_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "CRM_LOG_LEVEL": "WARNING",
    }
    drain(orders_db, 120)
    with Server("crm_gateway.main:create_app", env, work / "gateway.log") as gateway:
        auth = {"Authorization": f"Bearer {admin_key}"}
        with httpx.Client(base_url=gateway.url, headers=auth, timeout=30) as client:
            created = client.post("/v1/products", json=simple_product("BENCH-ERP"))
            assert created.status_code == 201, created.text
            product_id = created.json()["id"]
            receiver = Receiver(broker.bootstrap, "crm.orders")
            sent_at: dict[str, float] = {}
            for _ in range(count):
                body = {
                    "contact_id": str(uuid.uuid4()),
                    "currency": "EUR",
                    "lines": [
                        {
                            "product_id": product_id,
                            "options": {"fixture": "F1", "lamp": "L1"},
                            "quantity": 1,
                        }
                    ],
                    "delivery_address": ADDRESS,
                }
                started = time.time()
                response = client.post("/v1/orders", json=body)
                assert response.status_code == 201, response.text
                sent_at[response.json()["id"]] = started
                time.sleep(0.05)
        receiver.wait_for_matching(
            lambda event: event["type"] == "orders.order.placed.v1" and event["subject"] in sent_at,
            count,
        )
    latencies = [
        (arrived - sent_at[event["subject"]]) * 1000
        for arrived, event in receiver.events()
        if event["type"] == "orders.order.placed.v1" and event["subject"] in sent_at
    ]
    print(
        f"POST /v1/orders -> received  : {summary(latencies)}  ({len(latencies)} of {count} received)"
    )
    p95 = percentile(latencies, 95)
    print(
        f"placed -> ERP consumer p95   : {p95:.1f} ms (target <= 1000 ms)  {'OK' if p95 <= 1000 else 'ABOVE TARGET'}"
    )


def run(
    broker: LocalBroker,
    work: Path,
    bare: Server,
    secret: str,
    headers: dict[str, str],
    args: Any,
    drain: Callable[[str, float], None],
) -> None:
    orders_db = f"sqlite:///{work}/orders.db"
    upgrade(ORDERS_DIR, orders_db)
    env = {
        "CRM_ORDERS_DATABASE_URL": orders_db,
        "CRM_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "CRM_INTERNAL_SECRET": secret,
        "CRM_LOG_LEVEL": "WARNING",
        "CRM_RELAY_POLL_SECONDS": "0.5",
    }
    with Server("crm_orders.main:create_app", env, work / "orders.log") as orders:
        placed_per_second(orders, bare, headers, args.requests, args.concurrency, args.rounds)
        configurator(orders, bare, headers, args.lookups)
        placed_to_erp(broker, work, orders.url, orders_db, secret, args.events, drain)
