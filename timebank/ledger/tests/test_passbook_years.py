"""A passbook by year: the year totals read in one pass, each year's lines bounded by its id range, and
the balances carried from year to year adding up to the account's balance — with a year without movements,
a movement dated in an earlier year than one posted before it, and movements either side of midnight on
New Year's Eve in Asia/Shanghai."""
import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from timebank.ledger import selectors, services
from timebank.ledger.models import AccountKind, Transfer, TransferKind


def at(monkeypatch, year, month, day, hour, minute=0):
    when = dt.datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(Transfer._meta.get_field("created_at"), "_get_default", lambda: when)
    monkeypatch.setattr(services.posting, "posting_time", lambda: when)


def test_the_years_carry_their_balances_and_every_line_lies_in_its_own_year(world, fund, family, monkeypatch):
    account = services.member_account(world.proxy)
    at(monkeypatch, 2022, 3, 1, 9)
    fund(world.proxy, 100, memo="2022")
    # Nothing in 2023.
    at(monkeypatch, 2024, 12, 31, 23, 30)  # half an hour before midnight in Shanghai, 15:30 UTC
    fund(world.proxy, 40, memo="2024 eve")
    at(monkeypatch, 2025, 1, 1, 0, 30)  # half an hour after; still 2024 in UTC
    fund(world.proxy, 30, memo="2025 new year")
    services.gift_send(actor=world.proxy, sender=world.proxy, recipient=world.elder, amount=25)
    at(monkeypatch, 2024, 7, 1, 12)  # dated in 2024, posted after the 2025 rows: a higher id than theirs
    fund(world.proxy, 7, memo="2024 late")
    at(monkeypatch, 2025, 6, 1, 12)
    fund(world.proxy, 5, memo="2025 june")

    totals = selectors.passbook_year_totals(account)
    assert list(totals) == [2022, 2024, 2025]
    assert selectors.passbook_years(account, totals) == [2025, 2024, 2022]
    assert [t.net for t in totals.values()] == [100, 47, 10]

    tz = timezone.get_current_timezone()
    carried, every_line = 0, []
    for year in range(2021, 2028):
        opening, lines = selectors.passbook(account, year=year, totals=totals)
        assert opening == carried, year
        assert all(line.transfer.created_at.astimezone(tz).year == year for line in lines), year
        assert [line.balance for line in lines] == [opening + sum(x.amount for x in lines[:i + 1])
                                                    for i in range(len(lines))]
        carried = lines[-1].balance if lines else opening
        every_line += [line.transfer.pk for line in lines]
    account.refresh_from_db()
    assert carried == account.balance == 157
    assert sorted(every_line) == [line.transfer.pk for line in selectors.passbook(account)[1]]

    memos = {year: [line.summary for line in selectors.passbook(account, year=year)[1]] for year in (2023, 2024, 2025)}
    assert memos[2023] == []
    assert memos[2024] == ["2024 eve", "2024 late"]
    assert memos[2025][0] == "2025 new year" and memos[2025][-1] == "2025 june"
    gift = selectors.passbook(account, year=2025)[1][1]
    assert gift.amount == -25 and gift.counterparty == world.elder.name
    credit = selectors.passbook(account, year=2022)[1][0]
    assert credit.counterparty == f"{world.branch_a.name} · {AccountKind.ISSUANCE.label}"


def test_a_year_of_the_passbook_reads_the_history_once_and_each_counterparty_once(world, fund, family,
                                                                                   monkeypatch):
    account = services.member_account(world.proxy)
    for year in (2023, 2024, 2025):
        at(monkeypatch, year, 5, 1, 10)
        for _ in range(4):
            fund(world.proxy, 10)
            services.gift_send(actor=world.proxy, sender=world.proxy, recipient=world.elder, amount=3)
    with CaptureQueriesContext(connection) as queries:
        totals = selectors.passbook_year_totals(account)
        opening, lines = selectors.passbook(account, year=2024, totals=totals)
    assert opening == 28 and len(lines) == 8 and lines[-1].balance == 56
    assert {line.counterparty for line in lines} >= {world.elder.name}
    # The year totals, the year's rows, their counterparties (two accounts, one query); no query per line.
    assert len(queries) <= 4, [q["sql"][:120] for q in queries]
    assert TransferKind.GIFT in {line.transfer.kind for line in lines}
