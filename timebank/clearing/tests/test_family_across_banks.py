"""A family split across districts: a daughter registered in 杨浦 linked as her mother's relative in 虹口, so a
gift between them passes both banks' "relatives only" rule, and she may act for her mother."""
import pytest

from timebank.clearing import services
from timebank.clearing.models import CrossBankTransfer
from timebank.conftest import make_person
from timebank.ledger import services as ledger
from timebank.ledger.exceptions import GiftNotAllowed
from timebank.orgs.models import NodeKind
from timebank.orgs.services import bank_rules_set, node_create
from timebank.people.exceptions import ProxyInvalid
from timebank.people.models import ProxyLink
from timebank.people.services import proxy_confirm, proxy_link


def _relatives_only(world, hongkou):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="relatives")
    bank_rules_set(actor=hongkou.bank_admin, bank=hongkou.bank, gift_recipients="relatives")


def _link(world, hongkou, relation="child"):
    link = proxy_link(actor=hongkou.bank_admin, elder=hongkou.mother, proxy=world.volunteer, relation=relation)
    return proxy_confirm(actor=hongkou.mother, link=link)


def test_a_daughter_in_another_district_is_linked_and_then_may_give_under_relatives_only(world, hongkou, fund):
    _relatives_only(world, hongkou)
    fund(world.volunteer, 200)
    with pytest.raises(GiftNotAllowed):
        services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother, amount=60)
    link = _link(world, hongkou)
    assert link.bank_id == hongkou.bank.pk  # the link lives in the elder's bank
    record = services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother,
                                      amount=60)
    assert record.amount == 60 and ledger.member_account(hongkou.mother).balance == 60
    # and back, from the mother (acting herself) to her daughter
    services.cross_bank_gift(actor=hongkou.mother, sender=hongkou.mother, recipient=world.volunteer, amount=20)
    assert ledger.member_account(world.volunteer).balance == 160
    assert CrossBankTransfer.objects.count() == 2


@pytest.mark.parametrize("relation", ["neighbour", "social_worker"])
def test_only_family_is_linked_across_districts(world, hongkou, relation):
    with pytest.raises(ProxyInvalid) as refused:
        proxy_link(actor=hongkou.bank_admin, elder=hongkou.mother, proxy=world.volunteer, relation=relation)
    assert refused.value.code == "proxy_other_bank"
    assert not ProxyLink.objects.exists()


def test_nobody_is_linked_across_platforms(world, hongkou):
    other_platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name="北京市")
    bank = node_create(actor=None, parent=other_platform, kind=NodeKind.BANK, name="丰台区")
    branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name="卢沟桥街道")
    station = node_create(actor=None, parent=branch, kind=NodeKind.STATION, name="小瓦窑社区")
    son = make_person(station, "北京儿子", mobile="13800000199")
    with pytest.raises(ProxyInvalid):
        proxy_link(actor=hongkou.bank_admin, elder=hongkou.mother, proxy=son, relation="child")
    assert not ProxyLink.objects.exists()


def test_the_staff_page_finds_the_relative_in_another_district_by_mobile(world, hongkou, client):
    client.force_login(hongkou.bank_admin)
    response = client.post(f"/people/{hongkou.mother.pk}/proxies/",
                           {"mobile": world.volunteer.mobile, "relation": "child"})
    assert response.status_code == 302, response.content.decode()[:2000]
    link = ProxyLink.objects.get()
    assert (link.elder, link.proxy, link.confirmed_at) == (hongkou.mother, world.volunteer, None)
    # A neighbour in another district is not found at all: the form says nobody with that number is near.
    ProxyLink.objects.all().delete()
    response = client.post(f"/people/{hongkou.mother.pk}/proxies/",
                           {"mobile": world.proxy.mobile, "relation": "neighbour"})
    assert response.status_code == 422 and not ProxyLink.objects.exists()


def test_the_api_links_a_relative_in_another_district_by_mobile(world, hongkou, api_client):
    api_client.login_as(hongkou.bank_admin)
    response = api_client.post("/api/v1/proxy-links", {"elder_id": hongkou.mother.pk, "proxy_mobile": world.volunteer.mobile,
                                                       "relation": "spouse"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["proxy_id"] == world.volunteer.pk
    # by id, a person of another bank stays unknown (404), and with neither id nor mobile it is a clear 422
    by_id = api_client.post("/api/v1/proxy-links", {"elder_id": hongkou.mother.pk, "proxy_id": world.proxy.pk,
                                                    "relation": "child"}, content_type="application/json")
    assert by_id.status_code == 404
    neither = api_client.post("/api/v1/proxy-links", {"elder_id": hongkou.mother.pk, "relation": "child"},
                              content_type="application/json")
    assert neither.status_code == 422 and neither.json()["code"] == "proxy_missing"
    assert ProxyLink.objects.count() == 1


def test_the_elder_page_names_the_relatives_district_without_a_link_to_a_record_it_cannot_open(world, hongkou, client):
    _link(world, hongkou)
    client.force_login(hongkou.bank_admin)
    page = client.get(f"/people/{hongkou.mother.pk}/").content.decode()
    assert world.volunteer.name in page and world.bank.name in page
    assert f"/people/{world.volunteer.pk}/" not in page


def test_a_member_who_moves_keeps_their_certificates_in_the_new_district(world, hongkou, platform_admin, client):
    from timebank.training.models import Certificate
    from timebank.training.selectors import certificate_codes_held
    from timebank.training.services import course_create

    course = course_create(actor=world.bank_admin, node=world.bank, code="first_aid", name="急救培训")
    Certificate.objects.create(number="YP-2026-0001", bank=world.bank, person=world.volunteer, course=course)
    services.member_move(actor=world.bank_admin, person=world.volunteer, station=hongkou.station, reason="随女儿搬到虹口")
    world.volunteer.refresh_from_db()
    assert certificate_codes_held(world.volunteer) == {"first_aid"}  # a 虹口 service asking for first aid accepts it
    client.force_login(hongkou.bank_admin)
    page = client.get(f"/training/people/{world.volunteer.pk}/certificates/")
    assert page.status_code == 200 and "YP-2026-0001" in page.content.decode()
