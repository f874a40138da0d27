import pytest

from timebank.lib.credit_code import CreditCodeError, compose, is_valid, parse


def test_it_accepts_a_published_code_and_normalises_spaces_and_case():
    assert parse(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_it_computes_the_check_character():
    assert compose("91350100M000100Y4") == "91350100M000100Y43"
    assert is_valid(compose("12100000400000770A"[:17]))


@pytest.mark.parametrize("raw,code", [
    ("91350100M000100Y44", "credit_code_checksum"),
    ("91350100M000100Y4", "credit_code_format"),
    ("91350100M000100I43", "credit_code_format"),  # I is not in the character set
    ("91AB0100M000100Y43", "credit_code_format"),  # region must be digits
    ("", "credit_code_format"),
])
def test_it_refuses_wrong_codes_with_a_stable_reason(raw, code):
    with pytest.raises(CreditCodeError) as err:
        parse(raw)
    assert err.value.code == code
