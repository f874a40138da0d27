"""Gifts (转赠) and donations (捐赠) through the member pages: a check step, one posting per form
even when it is sent twice, and plain errors."""
import re

from timebank.ledger import services
from timebank.ledger.models import Transfer, TransferKind
from timebank.orgs.services import bank_rules_set


def form_key(response) -> str:
    return re.search(r'name="key" value="([0-9a-f]{32})"', response.content.decode()).group(1)


def page(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_gift_is_checked_first_then_posted_once_even_when_sent_twice(world, client, fund, family):
    fund(world.proxy, 180)
    client.force_login(world.proxy)
    form = client.get(f"/ledger/people/{world.proxy.pk}/gift/")
    assert "张晓明" in page(form)  # the registered relative is offered
    data = {"recipient": world.elder.pk, "hours": 1, "minutes": 30, "key": form_key(form)}
    review = client.post(f"/ledger/people/{world.proxy.pk}/gift/", {**data, "step": "review"})
    assert "1 小时 30 分钟" in page(review) and "确定转赠" in page(review)
    assert not Transfer.objects.filter(kind=TransferKind.GIFT).exists()  # nothing moves before the check
    first = client.post(f"/ledger/people/{world.proxy.pk}/gift/", {**data, "step": "confirm"})
    second = client.post(f"/ledger/people/{world.proxy.pk}/gift/", {**data, "step": "confirm"})
    assert first.status_code == second.status_code == 302
    assert Transfer.objects.filter(kind=TransferKind.GIFT).count() == 1
    assert services.member_account(world.proxy).balance == 90
    assert services.member_account(world.elder).balance == 90
    assert "已将 1 小时 30 分钟 转赠给 张晓明" in page(client.get("/ledger/"))


def test_a_fresh_form_gives_a_fresh_key(world, client, family):
    client.force_login(world.proxy)
    url = f"/ledger/people/{world.proxy.pk}/gift/"
    assert form_key(client.get(url)) != form_key(client.get(url))


def test_more_than_the_balance_is_refused_in_plain_words(world, client, fund, family):
    fund(world.proxy, 30)
    client.force_login(world.proxy)
    key = form_key(client.get(f"/ledger/people/{world.proxy.pk}/gift/"))
    response = client.post(f"/ledger/people/{world.proxy.pk}/gift/",
                           {"recipient": world.elder.pk, "hours": 1, "key": key, "step": "confirm"})
    assert response.status_code == 422
    assert "可用的时间币不够" in page(response)
    assert not Transfer.objects.filter(kind=TransferKind.GIFT).exists()


def test_only_registered_relatives_are_offered_and_others_are_refused(world, client, fund):
    fund(world.volunteer, 60)
    client.force_login(world.volunteer)
    form = client.get(f"/ledger/people/{world.volunteer.pk}/gift/")
    assert "只能转赠给在服务站登记过的亲属" in page(form)
    response = client.post(f"/ledger/people/{world.volunteer.pk}/gift/",
                           {"recipient": world.elder.pk, "hours": 1, "key": "a" * 32, "step": "confirm"})
    assert response.status_code == 422 and not Transfer.objects.filter(kind=TransferKind.GIFT).exists()


def test_where_the_bank_allows_any_member_a_gift_goes_by_mobile_number(world, client, fund):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="any", gift_max_minutes=120)
    fund(world.volunteer, 300)
    client.force_login(world.volunteer)
    key = form_key(client.get(f"/ledger/people/{world.volunteer.pk}/gift/"))
    base = {"mobile": "138 0000 0012", "key": key}
    too_much = client.post(f"/ledger/people/{world.volunteer.pk}/gift/", {**base, "hours": 3, "step": "confirm"})
    assert "超过了本行规定的上限" in page(too_much)
    review = client.post(f"/ledger/people/{world.volunteer.pk}/gift/", {**base, "hours": 2, "step": "review"})
    assert "张*属" in page(review)  # someone found by number is shown masked
    client.post(f"/ledger/people/{world.volunteer.pk}/gift/", {**base, "hours": 2, "step": "confirm"})
    assert services.member_account(world.proxy).balance == 120
    unknown = client.post(f"/ledger/people/{world.volunteer.pk}/gift/",
                          {"mobile": "13899999999", "hours": 1, "key": key, "step": "review"})
    assert "本行没有使用该手机号的会员" in page(unknown)


def test_a_donation_is_checked_then_goes_to_the_pool_once(world, client, fund):
    fund(world.volunteer, 120)
    client.force_login(world.volunteer)
    key = form_key(client.get(f"/ledger/people/{world.volunteer.pk}/donate/"))
    review = client.post(f"/ledger/people/{world.volunteer.pk}/donate/", {"minutes": 45, "key": key, "step": "review"})
    assert "45 分钟" in page(review) and "杨浦区" in page(review)
    for _ in range(2):
        client.post(f"/ledger/people/{world.volunteer.pk}/donate/", {"minutes": 45, "key": key, "step": "confirm"})
    assert Transfer.objects.filter(kind=TransferKind.DONATION).count() == 1
    assert services.member_account(world.volunteer).balance == 75


def test_zero_or_nonsense_amounts_are_refused_on_the_form(world, client, fund):
    fund(world.volunteer, 120)
    client.force_login(world.volunteer)
    url = f"/ledger/people/{world.volunteer.pk}/donate/"
    for data in ({"hours": 0, "minutes": 0}, {"hours": "1.5"}, {"minutes": -5}, {}):
        response = client.post(url, {**data, "key": "b" * 32, "step": "confirm"})
        assert response.status_code == 422
    assert not Transfer.objects.filter(kind=TransferKind.DONATION).exists()
