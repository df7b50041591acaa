"""Processes, load and percentiles for the benchmarks."""

import asyncio
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
    return asyncio.run(_load(base_url, request, count, concurrency, ok or {200, 201}))
