"""Rate limits: the token bucket's arithmetic (pure) and the gateway's answers."""

from collections.abc import Callable

import httpx

from crm_gateway.limits import RateLimiter

from .helpers import bearer, create_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_holds_a_minute_and_refills_evenly() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)

    verdicts = [limiter.take("k", 60) for _ in range(61)]

    assert [v.allowed for v in verdicts] == [True] * 60 + [False]
    assert (verdicts[0].remaining, verdicts[0].reset_seconds) == (59, 1)
    assert (verdicts[59].remaining, verdicts[59].reset_seconds) == (0, 60)
    refused = verdicts[60]
    assert (refused.remaining, refused.retry_after_seconds) == (0, 1)
    assert refused.headers()["Retry-After"] == "1"
    clock.now += 1.0  # one token back
    assert limiter.take("k", 60).allowed
    assert not limiter.take("k", 60).allowed
    clock.now += 30.0
    after = limiter.take("k", 60)
    assert (after.allowed, after.remaining) == (True, 29)
    assert limiter.take("other", 60).remaining == 59


def test_headers_name_the_policy() -> None:
    verdict = RateLimiter(Clock()).take("k", 120)

    assert verdict.headers() == {
        "RateLimit-Limit": "120",
        "RateLimit-Remaining": "119",
        "RateLimit-Reset": "1",
        "RateLimit-Policy": "120;w=60",
    }


def test_a_key_over_its_limit_gets_429_with_retry_after(client: httpx.Client) -> None:
    key = bearer(create_key(client, "partner", rate_limit_per_minute=3)["key"])

    answers = [client.get("/v1/contacts", headers=key) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["RateLimit-Limit"] == "3" for a in answers)
    refused = answers[3]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/rate-limited")
    assert int(refused.headers["Retry-After"]) == 20
    assert refused.headers["RateLimit-Policy"] == "3;w=60"


def test_keys_have_buckets_of_their_own(
    client: httpx.Client, key_for: Callable[..., dict[str, str]]
) -> None:
    tight = bearer(create_key(client, "partner", rate_limit_per_minute=1)["key"])
    other = key_for("partner")

    assert client.get("/v1/contacts", headers=tight).status_code == 200
    assert client.get("/v1/contacts", headers=tight).status_code == 429
    answer = client.get("/v1/contacts", headers=other)
    assert answer.status_code == 200
    assert answer.headers["RateLimit-Limit"] == "6000"


def test_the_limit_is_shown_and_validated(client: httpx.Client, admin: dict[str, str]) -> None:
    created = create_key(client, "partner", rate_limit_per_minute=50)
    assert created["rate_limit_per_minute"] == 50
    for bad in (0, -1, 10**9, "many"):
        response = client.post(
            "/v1/api-keys",
            json={"name": "x", "roles": ["partner"], "rate_limit_per_minute": bad},
            headers=admin,
        )
        assert response.status_code == 422, bad
