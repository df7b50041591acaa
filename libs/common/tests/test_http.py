import pytest

from crm_common.errors import PreconditionFailed
from crm_common.http import check_if_match, etag


def test_etag_is_the_quoted_version() -> None:
    assert etag(7) == '"7"'


@pytest.mark.parametrize("header", [None, "*", '"3"', 'W/"3"', '"1", "3"'])
def test_if_match_accepts_current_version(header: str | None) -> None:
    check_if_match(header, 3)


@pytest.mark.parametrize("header", ['"2"', "3", '"4", "5"', "garbage"])
def test_if_match_rejects_stale_or_malformed(header: str) -> None:
    with pytest.raises(PreconditionFailed) as info:
        check_if_match(header, 3)
    assert info.value.extra == {"current_etag": '"3"'}
