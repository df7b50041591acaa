"""Duplicate scoring: pure functions over contact profiles, without I/O.

Signals combine as independent evidence, 1 - (1 - s1)(1 - s2)...: a shared email address or phone
number is strong on its own; similar names count only within the same organisation (or, for two
organisations, similar organisation names), and less.
"""

import difflib
import unicodedata
import uuid
from dataclasses import dataclass, field

EMAIL_SCORE = 0.9
PHONE_SCORE = 0.8
NAME_WEIGHT = 0.6
NAME_THRESHOLD = 0.85
MIN_SCORE = 0.5


@dataclass(frozen=True)
class ContactProfile:
    """What matching needs to know of a contact (emails lower-cased, phones in E.164)."""

    id: uuid.UUID
    kind: str
    first_name: str | None = None
    last_name: str | None = None
    organization_name: str | None = None
    organization_id: uuid.UUID | None = None
    emails: frozenset[str] = field(default_factory=frozenset)
    phones: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Match:
    """A candidate duplicate, its score in [0, 1] and why."""

    id: uuid.UUID
    score: float
    reasons: tuple[str, ...]


def normalize_name(text: str | None) -> str:
    """Case, accents, punctuation and spacing removed: "  José  O'Neil" -> "jose oneil"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        ch for ch in decomposed if not unicodedata.combining(ch) and (ch.isalnum() or ch.isspace())
    )
    return " ".join(kept.casefold().split())


def name_similarity(a: str, b: str) -> float:
    """Similarity of two normalised names in [0, 1], insensitive to word order."""
    if not a or not b:
        return 0.0
    direct = difflib.SequenceMatcher(None, a, b).ratio()
    reordered = difflib.SequenceMatcher(
        None, " ".join(sorted(a.split())), " ".join(sorted(b.split()))
    ).ratio()
    return max(direct, reordered)


def full_name(profile: ContactProfile) -> str:
    if profile.kind == "organization":
        return normalize_name(profile.organization_name)
    return normalize_name(f"{profile.first_name or ''} {profile.last_name or ''}")


def same_organization(a: ContactProfile, b: ContactProfile) -> bool:
    if a.organization_id is not None and a.organization_id == b.organization_id:
        return True
    org_a, org_b = normalize_name(a.organization_name), normalize_name(b.organization_name)
    return bool(org_a) and org_a == org_b


def score(target: ContactProfile, candidate: ContactProfile) -> Match | None:
    """How likely `candidate` is the same person or organisation as `target`; None when unlikely."""
    if candidate.id == target.id:
        return None
    signals: list[float] = []
    reasons: list[str] = []
    shared_emails = sorted(target.emails & candidate.emails)
    if shared_emails:
        signals.append(EMAIL_SCORE)
        reasons.extend(f"email:{address}" for address in shared_emails)
    shared_phones = sorted(target.phones & candidate.phones)
    if shared_phones:
        signals.append(PHONE_SCORE)
        reasons.extend(f"phone:{number}" for number in shared_phones)
    if target.kind == candidate.kind and (
        target.kind == "organization" or same_organization(target, candidate)
    ):
        similarity = name_similarity(full_name(target), full_name(candidate))
        if similarity >= NAME_THRESHOLD:
            signals.append(NAME_WEIGHT * similarity)
            reasons.append("name")
    remaining = 1.0
    for signal in signals:
        remaining *= 1.0 - signal
    combined = round(1.0 - remaining, 3)
    if combined < MIN_SCORE:
        return None
    return Match(candidate.id, combined, tuple(reasons))


def rank(target: ContactProfile, candidates: list[ContactProfile]) -> list[Match]:
    """The likely duplicates of `target` among `candidates`, best first (ties by id)."""
    matches = [m for c in candidates if (m := score(target, c)) is not None]
    return sorted(matches, key=lambda m: (-m.score, m.id))
