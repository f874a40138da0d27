import datetime as dt

import pytest

from timebank.lib import resident_id
from timebank.lib.masking import mask_id_number, mask_mobile


def test_it_accepts_a_valid_number_and_reads_birth_date_and_sex():
    number = resident_id.compose("310110", dt.date(1950, 3, 7), 12, "F")
    parsed = resident_id.parse(number)
    assert parsed.birth_date == dt.date(1950, 3, 7)
    assert parsed.sex == "F"


def test_it_accepts_the_published_example_with_x_check_digit():
    # The check character of 11010519491231002 is X (GB 11643-1999 worked example).
    assert resident_id.parse("11010519491231002x").number == "11010519491231002X"


def test_it_normalises_full_width_digits_and_spaces():
    number = resident_id.compose("310110", dt.date(1960, 1, 2), 3, "M")
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    assert resident_id.parse(" " + full_width[:6] + " " + full_width[6:]).number == number


@pytest.mark.parametrize("raw,code", [
    ("", "id_number_format"),
    ("31011019500307123", "id_number_format"),
    ("3101101950030712345", "id_number_format"),
    ("31011019500230123X", "id_number_birth_date"),
    ("310110A95003071234", "id_number_format"),
])
def test_it_refuses_malformed_numbers(raw, code):
    with pytest.raises(resident_id.ResidentIdError) as err:
        resident_id.parse(raw)
    assert err.value.code == code


def test_it_refuses_a_wrong_check_digit():
    number = resident_id.compose("310110", dt.date(1950, 3, 7), 12, "F")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(resident_id.ResidentIdError) as err:
        resident_id.parse(wrong)
    assert err.value.code == "id_number_checksum"


def test_it_masks_numbers_the_way_staff_expect():
    assert mask_id_number("310110195003071234") == "310110********1234"
    assert mask_mobile("13812345678") == "138****5678"
