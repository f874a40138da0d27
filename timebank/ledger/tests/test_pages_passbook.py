"""A member's coins page and passbook: balances in words, running balances, the year filter,
proxies acting for an elder, staff reach."""
import re

from timebank.ledger import services
from timebank.ledger.models import TransferKind


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_volunteer_sees_balance_in_hours_and_minutes_and_points(world, client, fund):
    fund(world.volunteer, 150)
    services.transfer_post(debit=services.system_account(world.branch_a, "issuance", "points"),
                           credit=services.member_account(world.volunteer, "points"), amount=25,
                           kind=TransferKind.POINTS_EARN)
    client.force_login(world.volunteer)
    page = text(client.get("/ledger/"))
    assert "2 小时 30 分钟" in page
    assert "25 积分" in page
    assert "打印存折" in page


def test_the_passbook_shows_each_movement_with_its_running_balance(world, client, fund, family):
    fund(world.proxy, 120)
    services.gift_send(actor=world.proxy, sender=world.proxy, recipient=world.elder, amount=45)
    client.force_login(world.proxy)
    page = text(client.get("/ledger/"))
    # Newest first: the gift (−45 min, balance 1 h 15 min) above the credit (+2 h, balance 2 h).
    gift_at, credit_at = page.index("转赠他人"), page.index("服务获得")
    assert gift_at < credit_at
    assert "−45 分钟" in page and "1 小时 15 分钟" in page
    assert "+2 小时" in page and "张晓明" in page


def test_the_year_filter_shows_one_year_with_the_balance_carried_over(world, client, fund, back_in):
    back_in(2024)
    fund(world.volunteer, 60, memo="twenty-four")
    back_in(2025)
    fund(world.volunteer, 30, memo="twenty-five")
    client.force_login(world.volunteer)
    page = text(client.get("/ledger/", {"year": 2025}))
    assert "twenty-five" in page and "twenty-four" not in page
    assert "2025 年期初余额</dt><dd>1 小时</dd>" in page.replace("> <", "><") and "1 小时 30 分钟" in page
    page = text(client.get("/ledger/", {"year": 2024}))
    assert "twenty-four" in page and "twenty-five" not in page
    page = text(client.get("/ledger/", {"year": "all"}))
    assert "twenty-four" in page and "twenty-five" in page
    # By default: the newest year.
    assert "twenty-four" not in text(client.get("/ledger/"))


def test_a_proxy_sees_the_elders_coins_under_a_clear_banner_and_acts_for_him(world, client, fund, family):
    fund(world.elder, 600)
    client.force_login(world.proxy)
    home = text(client.get("/"))
    assert f"/ledger/people/{world.elder.pk}/" in home
    page = text(client.get(f"/ledger/people/{world.elder.pk}/"))
    assert "为 张晓明 办理" in page and "10 小时" in page
    donate = text(client.get(f"/ledger/people/{world.elder.pk}/donate/"))
    assert "为 张晓明 办理" in donate
    key = re.search(r'name="key" value="([0-9a-f]{32})"', donate).group(1)
    response = client.post(f"/ledger/people/{world.elder.pk}/donate/", {"hours": 1, "key": key, "step": "confirm"})
    assert response.status_code == 302
    assert services.member_account(world.elder).balance == 540
    assert services.member_account(world.proxy).balance == 0


def test_a_member_cannot_open_someone_elses_coins(world, client, fund):
    fund(world.elder, 60)
    client.force_login(world.volunteer)
    assert client.get(f"/ledger/people/{world.elder.pk}/").status_code == 404
    assert client.get(f"/ledger/people/{world.elder.pk}/passbook.pdf").status_code == 404
    assert client.get(f"/ledger/people/{world.elder.pk}/gift/").status_code == 404


def test_staff_reach_a_members_passbook_from_the_person_page(world, client, fund):
    fund(world.elder, 60)
    client.force_login(world.station_staff)
    record = text(client.get(f"/people/{world.elder.pk}/"))
    assert f"/ledger/people/{world.elder.pk}/" in record
    page = client.get(f"/ledger/people/{world.elder.pk}/")
    assert page.status_code == 200 and "1 小时" in text(page)


def test_another_branchs_staff_get_404_on_a_members_passbook_and_grant_pages(world, client, fund):
    fund(world.elder, 60)
    for person in (world.other_branch_admin, world.other_station_staff):
        client.force_login(person)
        assert client.get(f"/ledger/people/{world.elder.pk}/").status_code == 404
        assert client.get(f"/ledger/people/{world.elder.pk}/passbook.pdf").status_code == 404
        assert client.get(f"/ledger/people/{world.elder.pk}/grant/").status_code == 404
        assert client.post(f"/ledger/people/{world.elder.pk}/grant/", {}).status_code == 404


def test_the_pages_read_in_english_too(world, client, fund):
    fund(world.volunteer, 90)
    client.force_login(world.volunteer)
    client.cookies["django_language"] = "en"
    page = text(client.get("/ledger/"))
    assert "1 hour 30 minutes" in page and "Print passbook" in page
