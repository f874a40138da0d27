"""An account's transfers, newest first, are first read within the recent months' partitions (PostgreSQL),
and read whole when those hold less than a page: the pages are the same wherever that window ends."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from timebank.ledger import services
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.lib import pagination, partitions


def _fund(world, person, times):
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    for _ in range(times):
        services.transfer_post(debit=issuance, credit=services.member_account(person), amount=10,
                               kind=TransferKind.SERVICE_CREDIT)


def _all_pages(api_client, account, limit):
    page = api_client.get(f"/api/v1/accounts/{account.pk}/transfers?limit={limit}").json()
    ids, counts = [t["id"] for t in page["items"]], {page["count"]}
    while page["next"]:
        page = api_client.get(page["next"]).json()
        ids += [t["id"] for t in page["items"]]
        counts.add(page["count"])
    return ids, counts


@pytest.mark.parametrize("window_holds", [0, 2, 3, 4, 7, 11])
def test_the_pages_are_the_same_wherever_the_recent_window_ends(world, api_client, monkeypatch, window_holds):
    _fund(world, world.volunteer, 11)
    account = services.member_account(world.volunteer)
    newest_first = list(Transfer.objects.filter(credit=account).order_by("-id").values_list("id", flat=True))
    # The window's floor falls just below the `window_holds` newest transfers (before each page's cursor).
    floor = newest_first[window_holds - 1] if window_holds else newest_first[0] + 1
    seen = []

    def window(queryset, ordering, values):
        seen.append(values)
        return floor if ordering == [("pk", True)] and queryset.model is Transfer else None

    monkeypatch.setattr(pagination, "_recent_window", window)
    api_client.login_as(world.volunteer)
    ids, counts = _all_pages(api_client, account, limit=3)
    assert ids == newest_first and counts == {11}
    assert seen and seen[0] is None and all(v for v in seen[1:])  # asked on every page, with the cursor after


def test_on_postgresql_the_first_page_reads_the_recent_months_only_when_they_hold_a_page(world, api_client):
    if connection.vendor != "postgresql":
        pytest.skip("the monthly partitions are PostgreSQL's (runs in the PostgreSQL pass of make test)")
    _fund(world, world.volunteer, 6)
    _fund(world, world.proxy, 1)
    api_client.login_as(world.volunteer)
    heavy = services.member_account(world.volunteer)
    with CaptureQueriesContext(connection) as queries:
        page = api_client.get(f"/api/v1/accounts/{heavy.pk}/transfers?limit=5").json()
    assert len(page["items"]) == 5 and page["count"] == 6
    bounded = [q["sql"] for q in queries if '"ledger_transfer"."id" >=' in q["sql"] and "LIMIT 6" in q["sql"]]
    assert len(bounded) == 1, [q["sql"][:200] for q in queries]
    floor = int(re.search(r'"ledger_transfer"\."id" >= (\d+)', bounded[0]).group(1))
    # A month block's first id, RECENT_MONTHS - 1 months before this one's (the clock may have turned
    # the month since the transfers were posted: then one month later).
    month = partitions.month_of(Transfer.objects.get(pk=page["items"][0]["id"]).created_at)
    assert floor in {partitions.block_start(partitions.add_months(month, k - (pagination.RECENT_MONTHS - 1)))
                     for k in (0, 1)}
    # Less than a page in the recent months (here: the whole account): read whole, nothing left out.
    api_client.login_as(world.proxy)
    light = services.member_account(world.proxy)
    assert [t["id"] for t in api_client.get(f"/api/v1/accounts/{light.pk}/transfers").json()["items"]] == \
        list(Transfer.objects.filter(credit=light).order_by("-id").values_list("id", flat=True))
