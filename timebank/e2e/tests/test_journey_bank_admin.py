"""The bank administrator's month: import a messy roster (GBK CSV as Excel on Chinese Windows saves
it: a title row, full-width digits, a lowercase x, mixed date formats, a blank row, a bad check
digit, a signature line), check the dry run, commit, watch the new elders appear on the dashboard,
drill down from the bank to the branch to the station, export the dashboard and print the monthly
report — once with JavaScript (HTMX drill-down), once without."""
import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from timebank.devdata.district import STAFF
from timebank.e2e.conftest import sign_in
from timebank.lib.resident_id import compose
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Role
from timebank.people.models import Person

VARIANTS = [pytest.param(True, id="phone"), pytest.param(False, id="nojs")]
BANK_ADMIN = next(mobile for mobile, _n, _s, role, _c in STAFF if role == Role.BANK_ADMIN)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def messy_roster(station: Node, salt: int) -> tuple[bytes, list[str]]:
    """A GBK CSV with three good elders and one bad check digit; returns (bytes, good names)."""
    ids = [compose("310110", dt.date(1940 + i, 3, 5), 700 + salt * 10 + i, "F") for i in range(4)]
    bad = ids[3][:-1] + ("1" if ids[3][-1] != "1" else "2")
    names = [f"花名{salt}{c}" for c in "甲乙丙"]
    rows = [
        ["杨浦区老年人花名册（2026年11月）"],
        ["姓名", "身份证号", "出生日期", "手机号", "服务站", "住址"],
        [names[0], ids[0].lower(), "1940/3/5", _full_width(f"139 1234 {salt:02d}01"), station.name, "国权路1号"],
        [],
        [names[1], ids[1], "1941年3月5日", f"139-1234-{salt:02d}02", station.name, "国权路2号"],
        [names[2], ids[2], "19420305", "", station.name, "国权路3号"],
        ["错号码", bad, "1943-03-05", "", station.name, "国权路4号"],
        ["制表人：", "", "", "", "", ""],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("gbk"), names


def _download(page, locator) -> bytes:
    with page.expect_download() as info:
        locator.click()
    with open(info.value.path(), "rb") as downloaded:
        return downloaded.read()


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


@pytest.mark.parametrize("js", VARIANTS)
def test_bank_admin_imports_a_roster_watches_the_dashboard_exports_and_prints(district, journey, js):
    station = Node.objects.filter(kind=NodeKind.STATION, is_closed=False).order_by("path").first()
    branch = station.parent
    data, names = messy_roster(station, salt=1 if js else 2)
    admin = journey(f"bank-admin-{'phone' if js else 'nojs'}", js=js)
    page = admin.page
    page.goto("/login/")
    sign_in(admin, BANK_ADMIN)

    # The dashboard before the import.
    page.goto(f"/stats/?node={station.pk}")
    before = int(page.locator("#fig-elders-total").inner_text())

    page.get_by_role("link", name="花名册导入", exact=True).first.click()
    admin.check("import", member=False)
    template = _download(page, page.locator("#template-elders-xlsx"))
    assert _book(template).active.max_row >= 1
    page.get_by_label("老人", exact=True).check()
    page.get_by_label("导入到").select_option(str(station.pk))
    page.get_by_label("花名册文件（.xlsx 或 .csv，不超过 20 MB）").set_input_files(
        files=[{"name": "花名册.csv", "mimeType": "text/csv", "buffer": data}])
    page.locator("#id_consent").check()
    page.get_by_role("button", name="检查花名册").click()
    expect(page.locator("#import-status")).to_have_attribute("data-status", "dry_run")
    expect(page.locator('#import-counts [data-count="create"]')).to_have_text("3")
    expect(page.locator('#import-counts [data-count="reject"]')).to_have_text("1")
    expect(page.locator("#import-rows")).to_contain_text("错号码")
    admin.check("import-dry-run", member=False)
    assert not Person.objects.filter(name__in=names).exists()  # nothing is registered by a dry run

    rejected = _download(page, page.locator("#rejected-xlsx"))
    sheet = _book(rejected).active
    assert any("错号码" in str(cell.value or "") for row in sheet.iter_rows() for cell in row)

    page.locator("#import-commit button").click()
    expect(page.locator("#import-status")).to_have_attribute("data-status", "committed")
    expect(page.locator('#import-counts [data-count="created"]')).to_have_text("3")
    admin.check("import-committed", member=False)
    people = Person.objects.filter(name__in=names)
    assert people.count() == 3 and {p.node_id for p in people} == {station.pk}
    salt = 1 if js else 2  # full-width digits, spaces and hyphens in the phones were normalised
    assert set(people.values_list("mobile", flat=True)) == {f"1391234{salt:02d}01", f"1391234{salt:02d}02", None}

    # The dashboard: bank → branch → station, by clicking.
    page.get_by_role("link", name="统计", exact=True).first.click()
    expect(page.locator(".stats-crumbs strong")).to_have_text(station.bank.name)
    admin.check("dashboard-bank", member=False)
    page.locator("#table-children").get_by_role("link", name=branch.name, exact=True).click()
    expect(page.locator(".stats-crumbs strong")).to_have_text(branch.name)
    page.locator("#table-children").get_by_role("link", name=station.name, exact=True).click()
    expect(page.locator(".stats-crumbs strong")).to_have_text(station.name)
    expect(page.locator("#fig-elders-total")).to_have_text(str(before + 3))
    if js:  # HTMX swapped the dashboard in place and kept the address bar in step
        assert re.search(rf"node={station.pk}\b", page.url)
    admin.check("dashboard-station", member=False)

    # Export the station's dashboard; then up to the branch and print its monthly report.
    export = _download(page, page.locator("#export-xlsx"))
    book = _book(export)
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any(station.name in c for c in cells)
    page.locator(".stats-crumbs").get_by_role("link", name=branch.name).click()
    expect(page.locator(".stats-crumbs strong")).to_have_text(branch.name)
    # The report opens in the browser's PDF viewer (inline), ready to print: fetch what the link gives.
    report = page.request.get(page.locator("#report-pdf").get_attribute("href"))
    assert report.ok and report.headers["content-type"] == "application/pdf"
    assert report.body().startswith(b"%PDF-") and len(report.body()) > 10_000
