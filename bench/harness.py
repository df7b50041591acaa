"""Processes, load and percentiles for the benchmarks."""

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx


@dataclass
class LoadResult:
    count: int
    seconds: float
    latencies_ms: list[float]
    failures: int

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def pct(self, p: float) -> float:
        return percentile(self.latencies_ms, p)


def combined(results: list[LoadResult]) -> LoadResult:
    """Several runs of one load as one: total requests over total time, every latency."""
    return LoadResult(
        sum(r.count for r in results),
        sum(r.seconds for r in results),
        [ms for r in results for ms in r.latencies_ms],
        sum(r.failures for r in results),
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50):7.2f} ms  p95 {percentile(values, 95):7.2f} ms  "
        f"p99 {percentile(values, 99):7.2f} ms  mean {statistics.fmean(values):7.2f} ms"
    )


async def _load(
    base_url: str,
    request: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    count: int,
    concurrency: int,
    ok: set[int],
) -> LoadResult:
    latencies: list[float] = []
    failures = 0
    next_index = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal next_index, failures
            while next_index < count:
                i = next_index
                next_index += 1
                started = time.perf_counter()
                response = await request(client, i)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code not in ok:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return LoadResult(count, elapsed, latencies, failures)


def load(
    base_url: str,
    request: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    count: int,
    concurrency: int,
    ok: set[int] | None = None,
) -> LoadResult:
    # What the earlier benchmarks of this run left in memory (seeds, results) is moved out of the
    # collector's sight meanwhile, so that the load generator's garbage collections stay short and
    # each figure does not depend on what ran before it.
    gc.collect()
    gc.freeze()
    try:
        return asyncio.run(_load(base_url, request, count, concurrency, ok or {200, 201}))
    finally:
        gc.unfreeze()


def compare_throughput(
    title: str,
    labels: tuple[str, str],
    bare: tuple[str, Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]],
    service: tuple[str, Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]],
    *,
    count: int,
    concurrency: int,
    rounds: int,
    target: float | None,
    items: tuple[int, str] | None = None,
) -> float:
    """Requests per second of `service` against `bare` (url, request), in alternating rounds so that
    a slow spell of the machine hits both; prints both and the ratio, returns the ratio. The request
    functions get a fresh index range each round. `items`: (how many a request carries, their name),
    to print items per second beside requests."""
    print(
        f"\n== {title} ({count} requests each, {concurrency} concurrent; {rounds} alternating rounds) =="
    )
    (bare_url, bare_request), (service_url, service_request) = bare, service
    load(service_url, service_request, 200, concurrency)  # warm-up
    load(bare_url, bare_request, 200, concurrency)
    refs, svcs = [], []
    for n in range(1, rounds + 1):

        async def on_bare(client: httpx.AsyncClient, i: int, n: int = n) -> httpx.Response:
            return await bare_request(client, n * 1_000_000 + i)

        async def on_service(client: httpx.AsyncClient, i: int, n: int = n) -> httpx.Response:
            return await service_request(client, n * 1_000_000 + i)

        refs.append(load(bare_url, on_bare, count // rounds, concurrency))
        svcs.append(load(service_url, on_service, count // rounds, concurrency))
    ref, svc = combined(refs), combined(svcs)
    width = max(len(label) for label in labels)
    for label, result in zip(labels, (ref, svc), strict=True):
        carried = "" if items is None else f" ({result.per_second * items[0]:8.0f} {items[1]}/s)"
        print(
            f"{label:<{width}} : {result.per_second:8.1f}/s{carried}  "
            f"{summary(result.latencies_ms)}  failures {result.failures}"
        )
    per_round = ", ".join(
        f"{s.per_second / r.per_second:.2f}" for r, s in zip(refs, svcs, strict=True)
    )
    ratio = svc.per_second / ref.per_second
    if target is None:  # a figure to watch, without a target of its own
        verdict = "(no target)"
    else:
        verdict = f"(target >= {target})  {'OK' if ratio >= target else 'BELOW TARGET'}"
    print(f"{'ratio service/bare':<{width}} : {ratio:.2f}  (rounds: {per_round})  {verdict}")
    return ratio
