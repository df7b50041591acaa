"""Distinct, valid phone numbers for seeded contacts, and the ways callers write them."""

AREAS = ["212", "312", "415", "617", "646", "702", "718", "917"]


def phone(i: int) -> str:
    """A distinct, valid NANP number for index i (up to 8 * 800 * 10000)."""
    area = AREAS[i % len(AREAS)]
    exchange = 200 + (i // len(AREAS)) // 10000 % 790
    line = (i // len(AREAS)) % 10000
    return f"+1{area}{exchange:03d}{line:04d}"


def formats(e164: str) -> list[str]:
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return [
        e164,
        f"({area}) {exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"+1 {area}-{exchange}-{line}",
    ]
