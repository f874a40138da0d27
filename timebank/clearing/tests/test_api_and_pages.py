"""The clearing through the API and the pages: a gift to family in another district, the member's and
the banks' view of it, moving a member, netting runs and the printed statement."""
import datetime as dt

from django.utils import timezone

from timebank.clearing.models import CrossBankTransfer, MemberMove, NettingRun
from timebank.ledger import services as ledger
from timebank.ledger.models import Currency
from timebank.tests.printed import pdf_text


def _yesterday() -> str:
    return str(timezone.localdate() - dt.timedelta(days=1))


def test_the_api_gives_to_another_district_once_per_key(world, hongkou, fund, api_client):
    fund(world.volunteer, 300)
    api_client.login_as(world.volunteer)
    body = {"to_mobile": hongkou.mother.mobile, "amount": 90, "memo": "给妈妈"}
    first = api_client.post("/api/v1/cross-bank-gifts", body, content_type="application/json",
                            headers={"Idempotency-Key": "g-1"})
    again = api_client.post("/api/v1/cross-bank-gifts", body, content_type="application/json",
                            headers={"Idempotency-Key": "g-1"})
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert first.json()["peer_id"] == hongkou.bank.pk
    assert ledger.member_account(hongkou.mother).balance == 90 and CrossBankTransfer.objects.count() == 1
    mine = api_client.get("/api/v1/cross-bank-transfers").json()
    assert [r["id"] for r in mine["items"]] == [first.json()["id"]]


def test_the_api_refuses_bad_gifts_with_a_code_and_moves_nothing(world, hongkou, fund, api_client):
    fund(world.volunteer, 50)
    api_client.login_as(world.volunteer)
    for body, status, code in (
            ({"to_mobile": hongkou.mother.mobile, "amount": 51}, 409, "insufficient_balance"),
            ({"to_mobile": "13999999999", "amount": 5}, 422, "recipient_unknown"),
            ({"to_mobile": world.proxy.mobile, "amount": 5}, 422, "not_another_bank"),
            ({"to_mobile": hongkou.mother.mobile, "amount": 5, "from_person_id": world.elder.pk}, 404, "not_found")):
        response = api_client.post("/api/v1/cross-bank-gifts", body, content_type="application/json",
                                   headers={"Idempotency-Key": f"bad-{body['amount']}-{body['to_mobile']}"})
        assert (response.status_code, response.json()["code"]) == (status, code), response.content
    assert ledger.member_account(world.volunteer).balance == 50 and not CrossBankTransfer.objects.exists()


def test_banks_see_their_own_positions_and_only_the_platform_runs_the_netting(world, hongkou, fund, api_client,
                                                                             platform_admin):
    fund(world.volunteer, 300)
    api_client.login_as(world.volunteer)
    api_client.post("/api/v1/cross-bank-gifts", {"to_mobile": hongkou.mother.mobile, "amount": 60},
                    content_type="application/json", headers={"Idempotency-Key": "p-1"})
    api_client.login_as(hongkou.bank_admin)
    positions = api_client.get("/api/v1/clearing/positions").json()
    assert [(p["bank_id"], p["balance"]) for p in positions] == [(hongkou.bank.pk, -60)]  # not 杨浦's side
    assert api_client.post("/api/v1/clearing/netting-runs", {"business_day": _yesterday()},
                           content_type="application/json").status_code == 404
    api_client.login_as(platform_admin)
    assert len(api_client.get("/api/v1/clearing/positions").json()) == 2
    run = api_client.post("/api/v1/clearing/netting-runs", {"business_day": _yesterday()},
                          content_type="application/json")
    assert run.status_code == 201 and run.json()["settled_minutes"] == 60
    twice = api_client.post("/api/v1/clearing/netting-runs", {"business_day": _yesterday()},
                            content_type="application/json")
    assert (twice.status_code, twice.json()["code"]) == (409, "netting_already_run")
    future = api_client.post("/api/v1/clearing/netting-runs",
                             {"business_day": str(timezone.localdate() + dt.timedelta(days=1))},
                             content_type="application/json")
    assert (future.status_code, future.json()["code"]) == (422, "day_in_future")
    api_client.login_as(world.bank_admin)
    detail = api_client.get(f"/api/v1/clearing/netting-runs/{run.json()['id']}").json()
    assert [(p["bank_id"], p["peer_id"], p["balance"]) for p in detail["positions"]] == [
        (world.bank.pk, hongkou.bank.pk, 60)]
    assert NettingRun.objects.count() == 1


def test_the_api_moves_a_member_and_refuses_another_banks_staff(world, hongkou, fund, api_client):
    fund(world.elder, 200)
    api_client.login_as(hongkou.bank_admin)
    refused = api_client.post(f"/api/v1/people/{world.elder.pk}/move", {"station_id": hongkou.station.pk,
                                                                        "reason": "搬家"},
                              content_type="application/json")
    assert refused.status_code == 404
    api_client.login_as(world.bank_admin)
    moved = api_client.post(f"/api/v1/people/{world.elder.pk}/move", {"station_id": hongkou.station.pk,
                                                                      "reason": "随子女搬家"},
                            content_type="application/json")
    assert moved.status_code == 201 and moved.json()["minutes"] == 200
    world.elder.refresh_from_db()
    assert world.elder.bank_id == hongkou.bank.pk
    assert ledger.member_account(world.elder, Currency.TIME).balance == 200
    assert MemberMove.objects.count() == 1


def test_a_daughter_gives_her_mother_coins_in_another_district_on_the_page(world, hongkou, fund, client):
    fund(world.volunteer, 300)
    client.force_login(world.volunteer)
    page = client.get("/clearing/gift/")
    assert page.status_code == 200 and "其他区" in page.content.decode()
    key = "a" * 32
    review = client.post("/clearing/gift/", {"mobile": hongkou.mother.mobile, "hours": "1", "key": key,
                                             "step": "review"})
    text = review.content.decode()
    assert review.status_code == 200 and "虹口区" in text and "赵妈妈" not in text  # the name is masked
    done = client.post("/clearing/gift/", {"mobile": hongkou.mother.mobile, "hours": "1", "key": key,
                                           "step": "confirm"})
    again = client.post("/clearing/gift/", {"mobile": hongkou.mother.mobile, "hours": "1", "key": key,
                                            "step": "confirm"})
    assert done.status_code == again.status_code == 302
    assert ledger.member_account(hongkou.mother).balance == 60 and CrossBankTransfer.objects.count() == 1
    unknown = client.post("/clearing/gift/", {"mobile": "13999999999", "hours": "1", "key": "b" * 32,
                                              "step": "review"})
    assert unknown.status_code == 422 and "其他" in unknown.content.decode()


def test_the_platform_settles_a_day_on_the_page_and_each_bank_prints_its_statement(world, hongkou, fund, client,
                                                                                  platform_admin):
    from timebank.clearing import services

    fund(world.volunteer, 300)
    services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother, amount=75)
    client.force_login(platform_admin)
    index = client.get("/clearing/")
    assert index.status_code == 200 and "虹口区" in index.content.decode()
    response = client.post("/clearing/", {"business_day": _yesterday()})
    run = NettingRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/clearing/runs/{run.pk}/"
    again = client.post("/clearing/", {"business_day": _yesterday()})
    assert again.status_code == 422 and NettingRun.objects.count() == 1
    client.logout()
    client.force_login(world.bank_admin)
    assert client.get(f"/clearing/runs/{run.pk}/").status_code == 200
    pdf = client.get(f"/clearing/runs/{run.pk}/statement/{world.bank.pk}.pdf")
    text = pdf_text(pdf.content)
    assert pdf["Content-Type"] == "application/pdf" and "杨浦区" in text and "虹口区" in text and "75" in text
    assert client.get(f"/clearing/runs/{run.pk}/statement/{hongkou.bank.pk}.pdf").status_code == 404


def test_a_bank_admin_moves_a_member_on_the_page(world, hongkou, fund, client):
    fund(world.elder, 120)
    client.force_login(world.bank_admin)
    page = client.get(f"/clearing/move/{world.elder.pk}/")
    assert page.status_code == 200 and "多伦路社区" in page.content.decode()
    response = client.post(f"/clearing/move/{world.elder.pk}/", {"station": hongkou.station.pk,
                                                                 "reason": "随子女搬家", "token": "t" * 32})
    assert response.status_code == 302
    world.elder.refresh_from_db()
    assert world.elder.node_id == hongkou.station.pk
    assert ledger.member_account(world.elder).balance == 120


def test_after_a_move_the_member_reads_the_old_passbook_which_points_to_the_new_one(world, hongkou, fund, client):
    from timebank.clearing import services

    fund(world.volunteer, 90)
    services.member_move(actor=world.bank_admin, person=world.volunteer, station=hongkou.station, reason="搬家")
    client.force_login(world.volunteer)
    now = client.get("/ledger/").content.decode()
    from timebank.ledger.selectors import former_accounts

    world.volunteer.refresh_from_db()  # now a member of 虹口区
    (old_account,) = [a for a in former_accounts(world.volunteer) if a.currency == "time"]
    assert f"former={old_account.pk}" in now and "杨浦区" in now
    old_page = client.get(f"/ledger/?former={old_account.pk}").content.decode()
    assert "迁移前" in old_page and "现在的存折" in old_page
    assert "其他区" in now  # the gift to another district is offered when the city has other banks
    client.force_login(world.bank_admin)
    assert client.get(f"/people/{world.elder.pk}/").content.decode().count(f"/clearing/move/{world.elder.pk}/") == 1
