"""Duplicate scoring (pure, no database)."""

import uuid

from crm_contacts.duplicates.matching import (
    EMAIL_SCORE,
    PHONE_SCORE,
    ContactProfile,
    name_similarity,
    normalize_name,
    rank,
    score,
)

ACME = uuid.UUID(int=1)


def person(n: int, **fields: object) -> ContactProfile:
    return ContactProfile(id=uuid.UUID(int=100 + n), kind="person", **fields)  # type: ignore[arg-type]


def test_normalize_name_drops_case_accents_and_punctuation() -> None:
    assert normalize_name("  José  O'Neil ") == "jose oneil"
    assert normalize_name(None) == ""


def test_name_similarity_ignores_word_order() -> None:
    assert name_similarity("ada lovelace", "lovelace ada") == 1.0
    assert name_similarity("ada lovelace", "") == 0.0
    assert name_similarity("ada lovelace", "ada lovelance") > 0.9


def test_same_email_is_strong() -> None:
    match = score(
        person(1, emails=frozenset({"a@x.com"})), person(2, emails=frozenset({"a@x.com"}))
    )
    assert match is not None
    assert match.score == EMAIL_SCORE
    assert match.reasons == ("email:a@x.com",)


def test_same_phone_is_strong() -> None:
    match = score(
        person(1, phones=frozenset({"+14155550123"})), person(2, phones=frozenset({"+14155550123"}))
    )
    assert match is not None
    assert match.score == PHONE_SCORE
    assert match.reasons == ("phone:+14155550123",)


def test_signals_add_up() -> None:
    target = person(1, emails=frozenset({"a@x.com"}), phones=frozenset({"+14155550123"}))
    candidate = person(2, emails=frozenset({"a@x.com"}), phones=frozenset({"+14155550123"}))
    match = score(target, candidate)
    assert match is not None
    assert match.score == round(1 - (1 - EMAIL_SCORE) * (1 - PHONE_SCORE), 3)
    assert match.reasons == ("email:a@x.com", "phone:+14155550123")


def test_similar_names_count_only_in_the_same_organisation() -> None:
    target = person(1, first_name="Ada", last_name="Lovelace", organization_id=ACME)
    same_org = person(2, first_name="Ada", last_name="Lovelace", organization_id=ACME)
    by_org_name = person(3, first_name="ada", last_name="lovelace", organization_name="ACME")
    other_org = person(4, first_name="Ada", last_name="Lovelace", organization_id=uuid.UUID(int=2))
    match = score(target, same_org)
    assert match is not None
    assert match.reasons == ("name",)
    assert match.score == 0.6
    assert score(target, other_org) is None
    named = person(5, first_name="Ada", last_name="Lovelace", organization_name="Acme")
    by_name = score(named, by_org_name)
    assert by_name is not None
    assert by_name.reasons == ("name",)


def test_names_are_weaker_than_contact_points() -> None:
    target = person(
        1,
        first_name="Ada",
        last_name="Lovelace",
        organization_id=ACME,
        emails=frozenset({"a@x.com"}),
    )
    by_email = person(2, first_name="Grace", last_name="Hopper", emails=frozenset({"a@x.com"}))
    by_name = person(3, first_name="Ada", last_name="Lovelace", organization_id=ACME)
    ranked = rank(target, [by_name, by_email])
    assert [m.id for m in ranked] == [by_email.id, by_name.id]
    assert ranked[0].score > ranked[1].score


def test_dissimilar_names_are_not_duplicates() -> None:
    target = person(1, first_name="Ada", last_name="Lovelace", organization_id=ACME)
    assert (
        score(target, person(2, first_name="Grace", last_name="Hopper", organization_id=ACME))
        is None
    )


def test_organisations_match_by_similar_names() -> None:
    target = ContactProfile(id=uuid.UUID(int=1), kind="organization", organization_name="Acme Inc.")
    similar = ContactProfile(id=uuid.UUID(int=2), kind="organization", organization_name="ACME Inc")
    different = ContactProfile(id=uuid.UUID(int=3), kind="organization", organization_name="Globex")
    assert [m.id for m in rank(target, [different, similar])] == [similar.id]


def test_a_contact_is_not_its_own_duplicate() -> None:
    target = person(1, emails=frozenset({"a@x.com"}))
    assert score(target, target) is None


def test_ties_are_ordered_by_id() -> None:
    target = person(1, emails=frozenset({"a@x.com"}))
    later, earlier = (
        person(9, emails=frozenset({"a@x.com"})),
        person(3, emails=frozenset({"a@x.com"})),
    )
    assert [m.id for m in rank(target, [later, earlier])] == [earlier.id, later.id]
