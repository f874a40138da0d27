"""Normalising the cells of a roster (no database)."""
import datetime as dt

import pytest

from timebank.imports import roster

MARCH_5 = dt.date(1950, 3, 5)


@pytest.mark.parametrize("cell", [
    "1950/3/5", "1950-03-05", "1950-3-5", "1950.3.5", "1950年3月5日", "1950 年 3 月 5 日", "19500305", 19500305,
    "１９５０年３月５日", "1950-03-05 00:00:00", dt.datetime(1950, 3, 5, 0, 0), MARCH_5,
    18327, 18327.0, "18327",  # Excel serial numbers (days since 1899-12-30)
])
def test_it_reads_each_common_date_format(cell):
    assert roster.date_value(cell) == (MARCH_5, True)


@pytest.mark.parametrize("cell", ["1950/13/5", "3/5/1950", "五零年", "1950年3月", "0", "19501305"])
def test_it_refuses_dates_it_cannot_read(cell):
    assert roster.date_value(cell) == (None, False)


def test_an_empty_date_is_fine():
    assert roster.date_value(None) == (None, True)
    assert roster.date_value("  ") == (None, True)


@pytest.mark.parametrize(("cell", "expected"), [
    ("138-1234-5678", "13812345678"), ("138 1234 5678", "13812345678"), ("１３８１２３４５６７８", "13812345678"),
    ("+86 138 1234 5678", "13812345678"), ("(138)1234-5678", "13812345678"), (13812345678, "13812345678"),
    (13812345678.0, "13812345678"), ("138\u30001234\u30005678", "13812345678"),
])
def test_it_cleans_phone_numbers(cell, expected):
    assert roster.mobile_value(cell) == expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("11010519491231002x", "11010519491231002X"), ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
    (" 110105 19491231 002X ", "11010519491231002X"), ("110105-19491231-002x", "11010519491231002X"),
])
def test_it_cleans_id_numbers(cell, expected):
    assert roster.id_value(cell) == expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("男", ("M", True)), ("女", ("F", True)), ("M", ("M", True)), ("female", ("F", True)), ("", ("", True)),
    ("未知", ("未知", False)),
])
def test_it_reads_gender(cell, expected):
    assert roster.gender_value(cell) == expected


def test_names_padded_for_alignment_lose_the_padding():
    assert roster.name_value("张\u3000三") == "张三"
    assert roster.name_value(" 阿卜杜·热合曼 ") == "阿卜杜·热合曼"
    assert roster.name_value("Anna  Li") == "Anna Li"


def test_header_titles_match_with_marks_and_full_width_characters():
    mapping = roster._alias_map()
    assert mapping[roster.header_key("姓名*")] == "name"
    assert mapping[roster.header_key("身份证号码（必填）")] == "id_number"
    assert mapping[roster.header_key("Mobile Number")] == "mobile"
    assert mapping[roster.header_key("联系电话：")] == "mobile"
