"""The bank admin's liability report (page, XLSX, CSV) and the auditors' chain page with its check."""
import csv
import datetime as dt
import io
import re

from django.utils import timezone
from openpyxl import load_workbook

from timebank.ledger import chain, services
from timebank.ledger.models import TransferKind


def page(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_liability_report_shows_hours_outstanding_by_branch_and_year(world, client, fund):
    fund(world.volunteer, 600)
    fund(world.elder, 90, kind=TransferKind.GRANT)
    services.donation_make(actor=world.volunteer, donor=world.volunteer, amount=60)
    client.force_login(world.bank_admin)
    report = page(client.get("/ledger/liability/"))
    assert "10.50" in report  # 600 + 90 − 60 minutes = 10.5 hours outstanding
    assert "五角场街道" in report and "长白新村街道" in report


def test_the_liability_xlsx_opens_and_has_the_numbers(world, client, fund):
    fund(world.volunteer, 600)
    fund(world.elder, 90, kind=TransferKind.GRANT)
    client.force_login(world.bank_admin)
    response = client.get("/ledger/liability/", {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    by_branch = {row[0]: row for row in rows if row and row[0] in ("五角场街道", "长白新村街道", "全部分行")}
    assert by_branch["五角场街道"][1] == 11.5 and by_branch["五角场街道"][3] == 690
    assert by_branch["长白新村街道"][1] == 0
    assert by_branch["全部分行"][3] == 690
    years = list(book.worksheets[1].iter_rows(values_only=True))
    assert years[0][0] == "年度" and years[1][1] == 10 and years[1][2] == 1.5  # earned, granted (hours)


def test_the_liability_csv_has_the_same_numbers(world, client, fund):
    fund(world.volunteer, 600)
    client.force_login(world.bank_admin)
    response = client.get("/ledger/liability/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert ["五角场街道", "10.00", "0.00", "600"] in rows


def test_only_bank_level_staff_see_the_liability_report(world, client):
    for person in (world.branch_admin, world.station_staff, world.volunteer):
        client.force_login(person)
        assert client.get("/ledger/liability/").status_code == 404
    client.force_login(world.auditor)
    assert client.get("/ledger/liability/").status_code == 200


def test_auditors_see_chain_heads_by_day_and_run_the_check(world, client, fund):
    fund(world.volunteer, 60)
    fund(world.volunteer, 30)
    chain.seal_all(now=timezone.now() + dt.timedelta(seconds=10))
    client.force_login(world.auditor)
    before = page(client.get("/ledger/chain/"))
    head = chain.chain_heads_by_day(world.bank.pk)[0]
    assert head["hash"] in before
    result = page(client.post("/ledger/chain/"))
    assert "账本一致，未发现问题" in result and "笔/秒" in result


def test_branch_staff_cannot_open_the_chain_page(world, client):
    client.force_login(world.branch_admin)
    assert client.get("/ledger/chain/").status_code == 404
    assert client.post("/ledger/chain/").status_code == 404


def test_the_staff_menu_links_the_ledger_pages_each_role_may_open(world, client):
    client.force_login(world.bank_admin)
    menu = page(client.get("/"))
    assert all(link in menu for link in ("/ledger/corrections/", "/ledger/liability/", "/ledger/chain/"))
    client.force_login(world.station_staff)
    menu = page(client.get("/"))
    assert "/ledger/" in menu and "/ledger/liability/" not in menu and "/ledger/corrections/" not in menu
