"""The dry run: each messy-roster case one by one, and what it decides for each row."""
import datetime as dt

import pytest

from timebank.imports.models import ImportStatus
from timebank.lib import field_crypto
from timebank.lib.resident_id import compose

from .conftest import HEADER, csv_text, id_for, outcomes, xlsx_bytes


def _one(upload, cells: list, **kwargs):
    """Upload a roster of one data row (below the header) and return that row's (outcome, reasons)."""
    job = upload(xlsx_bytes([HEADER, cells]), **kwargs)
    return outcomes(job)[2]


def _row(name="王秀英", id_number=None, gender="", birth="", mobile="", station="", address=""):
    return [name, id_for() if id_number is None else id_number, gender, birth, mobile, station, address]


# ---- tolerant reading --------------------------------------------------------------------------

def test_it_finds_the_header_below_a_title_row(world, upload):
    job = upload(xlsx_bytes([HEADER, _row()], title="2026年政立路社区老年人花名册"))
    assert job.status == ImportStatus.DRY_RUN
    assert outcomes(job) == {3: ("create", [])}


def test_it_skips_blank_rows(world, upload):
    job = upload(xlsx_bytes([HEADER, _row(), [None] * 7, ["", " ", ""], _row(name="赵建国")]))
    assert outcomes(job) == {2: ("create", []), 5: ("create", [])}
    assert job.total_rows == 2


def test_it_skips_a_trailing_signature_line(world, upload):
    job = upload(xlsx_bytes([HEADER, _row(), ["制表人：李红", None, None, "日期：2026年11月1日"],
                             ["审核人：", "", "", "", "", "", ""]]))
    assert outcomes(job) == {2: ("create", [])}


def test_it_skips_a_repeated_header_and_the_templates_example_row(world, upload):
    job = upload(xlsx_bytes([HEADER, _row(), HEADER, ["(示例)张三", id_for(), "", "", "", "", ""], _row(name="赵建国")]))
    assert outcomes(job) == {2: ("create", []), 5: ("create", [])}


def test_it_reads_english_column_titles_in_any_order(world, upload):
    job = upload(xlsx_bytes([["Mobile", "Resident ID number", "Name"], ["13812345678", id_for(), "Wang Xiuying"]]))
    row = job.rows.get()
    assert (row.outcome, row.name, row.mobile) == ("create", "Wang Xiuying", "13812345678")


def test_full_width_digits_in_id_and_phone_are_normalised(world, upload):
    number = id_for()
    full_width = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    job = upload(xlsx_bytes([HEADER, _row(id_number=full_width, mobile="１３８１２３４５６７８")]))
    row = job.rows.get()
    assert row.outcome == "create" and row.mobile == "13812345678"
    assert row.id_number_hash == field_crypto.lookup_hash(number)


@pytest.mark.parametrize("phone", ["138-1234-5678", "138 1234 5678", " 13812345678 "])
def test_hyphens_and_spaces_in_phones_are_removed(world, upload, phone):
    job = upload(xlsx_bytes([HEADER, _row(mobile=phone)]))
    assert job.rows.get().mobile == "13812345678"
    assert job.rows.get().outcome == "create"


def test_a_lowercase_x_in_the_id_number_is_accepted(world, upload):
    serial = next(n for n in range(100) if compose("310110", dt.date(1950, 3, 5), n, "F").endswith("X"))
    number = compose("310110", dt.date(1950, 3, 5), serial, "F")
    row = upload(xlsx_bytes([HEADER, _row(id_number=number.lower())])).rows.get()
    assert row.outcome == "create" and row.id_number_hash == field_crypto.lookup_hash(number)


@pytest.mark.parametrize("birth", ["1950/3/5", "1950-03-05", "1950年3月5日", "19500305", 18327,
                                   dt.datetime(1950, 3, 5), dt.date(1950, 3, 5)])
def test_each_date_format_agrees_with_the_id(world, upload, birth):
    number = id_for(dt.date(1950, 3, 5), "F")
    assert _one(upload, _row(id_number=number, birth=birth, gender="女")) == ("create", [])


def test_an_excel_date_cell_with_a_date_format_is_read(world, upload):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["王秀英", id_for(dt.date(1950, 3, 5), "F"), "女", 18327, "", "", ""])
    sheet["D2"].number_format = "yyyy/m/d"  # how Excel stores a typed date: a serial number with a date format
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    job = upload(buffer.getvalue())
    row = job.rows.get()
    assert (row.outcome, row.birth_date) == ("create", "1950-03-05")


# ---- files -------------------------------------------------------------------------------------

def _csv_rows():
    return [["政立路社区花名册"], HEADER, _row(birth="1950年3月5日", id_number=id_for(dt.date(1950, 3, 5))),
            _row(name="赵建国", mobile="139-0000-1111"), ["制表人：李红"]]


@pytest.mark.parametrize(("encode", "encoding"), [
    (lambda t: t.encode("gbk"), "gb18030"),
    (lambda t: t.encode("gb18030"), "gb18030"),
    (lambda t: "\ufeff".encode() + t.encode("utf-8"), "utf-8-sig"),
    (lambda t: t.encode("utf-8"), "utf-8"),
    (lambda t: t.replace(",", "\t").encode("utf-16"), "utf-16"),
])
def test_csv_in_each_encoding_excel_saves(world, upload, encode, encoding):
    job = upload(encode(csv_text(_csv_rows())), name="roster.csv")
    assert job.encoding == encoding and job.file_format == "csv"
    assert outcomes(job) == {3: ("create", []), 4: ("create", [])}
    assert set(job.rows.values_list("name", flat=True)) == {"王秀英", "赵建国"}


def test_xlsx_roster_is_read(world, upload):
    job = upload(xlsx_bytes(_csv_rows()))
    assert job.file_format == "xlsx"
    assert outcomes(job) == {3: ("create", []), 4: ("create", [])}


def test_the_plain_id_number_is_never_stored_in_the_job_tables(world, upload):
    number = id_for()
    job = upload(xlsx_bytes([HEADER, _row(id_number=number), _row(id_number=number[:17] + "0")]))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM imports_importrow WHERE job_id = %s", [job.pk])
        stored = repr(cursor.fetchall())
    assert number not in stored and number[:17] not in stored


# ---- rejections, one reason at a time ----------------------------------------------------------

def test_a_bad_checksum_is_rejected(world, upload):
    number = id_for()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert _one(upload, _row(id_number=wrong)) == ("reject", ["id_number_checksum"])


def test_an_id_with_a_wrong_length_is_rejected(world, upload):
    assert _one(upload, _row(id_number="31011019500305")) == ("reject", ["id_number_format"])


def test_a_birth_date_not_matching_the_id_is_rejected(world, upload):
    assert _one(upload, _row(id_number=id_for(dt.date(1950, 3, 5)), birth="1950-03-06")) == \
        ("reject", ["birth_date_mismatch"])


def test_a_gender_not_matching_the_id_is_rejected(world, upload):
    assert _one(upload, _row(id_number=id_for(sex="F"), gender="男")) == ("reject", ["gender_mismatch"])


def test_an_unreadable_date_or_gender_is_rejected(world, upload):
    assert _one(upload, _row(birth="五零年", gender="未知")) == ("reject", ["gender_invalid", "birth_date_invalid"])


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "021-6543210"])
def test_a_bad_phone_is_rejected(world, upload, phone):
    assert _one(upload, _row(mobile=phone)) == ("reject", ["mobile_invalid"])


def test_a_missing_name_is_rejected(world, upload):
    assert _one(upload, _row(name="")) == ("reject", ["name_missing"])


def test_a_missing_id_is_rejected(world, upload):
    assert _one(upload, _row(id_number="")) == ("reject", ["id_number_missing"])


def test_a_duplicate_in_the_file_is_rejected_after_the_first(world, upload):
    number = id_for()
    job = upload(xlsx_bytes([HEADER, _row(id_number=number), _row(name="王秀英2", id_number=number.lower())]))
    assert outcomes(job) == {2: ("create", []), 3: ("reject", ["duplicate_in_file"])}


def test_a_mobile_twice_in_the_file_is_rejected_after_the_first(world, upload):
    job = upload(xlsx_bytes([HEADER, _row(mobile="13812345678"), _row(name="赵建国", mobile="138 1234 5678")]))
    assert outcomes(job) == {2: ("create", []), 3: ("reject", ["mobile_duplicate_in_file"])}


def test_someone_already_registered_is_skipped(world, upload):
    assert _one(upload, _row(id_number=world.elder.plain_id_number)) == ("skip", ["already_registered"])


def test_a_mobile_registered_to_someone_else_is_rejected(world, upload):
    assert _one(upload, _row(mobile=world.volunteer.mobile)) == ("reject", ["mobile_taken"])


def test_an_unknown_station_is_rejected(world, upload):
    assert _one(upload, _row(station="不存在社区")) == ("reject", ["station_unknown"])


def test_a_station_outside_the_actors_subtree_is_unknown(world, upload):
    assert _one(upload, _row(station="长白一村社区"), actor=world.branch_admin, node=world.branch_a) == \
        ("reject", ["station_unknown"])


def test_at_a_branch_rows_name_their_station_by_name_or_code(world, upload):
    world.station_a2.code = "GQL-01"
    world.station_a2.save(update_fields=["code"])
    job = upload(xlsx_bytes([HEADER, _row(station="政立路社区"), _row(name="赵建国", station="gql-01"),
                             _row(name="钱多多", station="")]), actor=world.branch_admin, node=world.branch_a)
    assert outcomes(job) == {2: ("create", []), 3: ("create", []), 4: ("reject", ["station_missing"])}
    assert [r.station for r in job.rows.order_by("number")] == [world.station_a1, world.station_a2, None]


def test_an_elder_too_young_for_the_banks_rules_is_rejected(world, upload):
    assert _one(upload, _row(id_number=id_for(dt.date(1990, 1, 1)))) == ("reject", ["too_young"])


def test_a_volunteer_needs_a_mobile(world, upload):
    assert _one(upload, _row(id_number=id_for(dt.date(1970, 1, 1))), kind="volunteers") == \
        ("reject", ["mobile_missing"])
    assert _one(upload, _row(id_number=id_for(dt.date(1970, 1, 1)), mobile="13912345678"), kind="volunteers") == \
        ("create", [])


def test_several_reasons_are_all_reported(world, upload):
    assert _one(upload, _row(name="", mobile="123", station="火星")) == \
        ("reject", ["name_missing", "mobile_invalid", "station_unknown"])


def test_an_emergency_phone_longer_than_the_record_holds_is_rejected_in_the_dry_run(world, upload):
    # Two numbers in one cell would pass the dry run and then break the commit on PostgreSQL.
    header = HEADER + ["紧急联系人电话"]
    job = upload(xlsx_bytes([header, _row() + ["13900139000/13800138000"], _row() + ["13900139000"]]))
    assert outcomes(job) == {2: ("reject", ["emergency_phone_invalid"]), 3: ("create", [])}
