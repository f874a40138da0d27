"""Rosters built in memory, as staff send them."""
import csv
import datetime as dt
import io
import itertools

import pytest

from timebank.lib.resident_id import compose

HEADER = ["姓名", "身份证号", "性别", "出生日期", "手机号", "服务站", "住址"]
_serials = itertools.count(10)


def id_for(birth=dt.date(1950, 3, 5), sex="F") -> str:
    return compose("310110", birth, next(_serials), sex)


def xlsx_bytes(rows, *, title=None, sheet_rows_before=()) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for extra in sheet_rows_before:
        sheet.append(extra)
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def upload(world):
    """Upload a roster as `actor` (station staff of 政立路社区 by default) and return the job."""
    from timebank.imports.services import import_upload

    def run(data: bytes, *, actor=None, kind="elders", node=None, name="roster.xlsx"):
        return import_upload(actor=actor or world.station_staff, kind=kind, node=node or world.station_a1,
                             file_name=name, data=data, consent=True)

    return run


def outcomes(job) -> dict[int, tuple[str, list]]:
    return {r.number: (r.outcome, r.reasons) for r in job.rows.order_by("number")}
