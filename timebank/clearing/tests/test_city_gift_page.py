"""送给其他城市的家人: the page twin of POST /api/v1/federation/gifts."""
import uuid

from timebank.clearing.models import OutboundMessage
from timebank.ledger import services as ledger
from timebank.people.models import ProxyLink


def _form(fed, **extra):
    return {"peer": fed.peer.pk, "mobile": "13700000001", "name": "周远方", "hours": "", "minutes": "25",
            "memo": "给外婆", "key": uuid.uuid4().hex, **extra}


def test_a_member_checks_then_gives_to_family_in_another_city_once(client, world, fed, fund):
    fund(world.volunteer, 100)
    client.force_login(world.volunteer)
    coins = client.get("/ledger/").content.decode()
    assert "/clearing/gift/city/" in coins  # the coins page offers it where the deployment is paired
    data = _form(fed)
    review = client.post("/clearing/gift/city/", {**data, "step": "review"})
    assert review.status_code == 200 and "周远方" in review.content.decode() and "city-y" in review.content.decode()
    assert not OutboundMessage.objects.exists()
    sent = client.post("/clearing/gift/city/", {**data, "step": "confirm"})
    assert sent.status_code == 302
    again = client.post("/clearing/gift/city/", {**data, "step": "confirm"})  # a double click
    assert again.status_code == 302
    message = OutboundMessage.objects.get()
    assert (message.amount, message.sender, message.status) == (25, world.volunteer, "pending")
    assert ledger.member_account(world.volunteer).balance == 75
    page = client.get("/clearing/gift/city/").content.decode()
    assert "city-y" in page and "等待对方平台" in page  # the list of what was sent, and how it stands


def test_refusals_are_shown_on_the_form_and_move_nothing(client, world, fed, fund, settings):
    fund(world.volunteer, 10)
    client.force_login(world.volunteer)
    too_much = client.post("/clearing/gift/city/", {**_form(fed), "step": "confirm"})
    assert too_much.status_code == 422
    other_peer = client.post("/clearing/gift/city/", {**_form(fed, peer=fed.peer.pk + 99), "step": "confirm"})
    assert other_peer.status_code == 422  # not one of the choices
    settings.FEDERATION_KEY = ""
    off = client.post("/clearing/gift/city/", {**_form(fed, minutes="5"), "step": "confirm"})
    assert off.status_code == 422
    assert not OutboundMessage.objects.exists() and ledger.member_account(world.volunteer).balance == 10


def test_a_proxy_gives_the_elders_coins_and_nobody_else_can(client, world, fed, fund):
    fund(world.elder, 60)
    ProxyLink.objects.create(bank=world.bank, proxy=world.proxy, elder=world.elder, relation="child")
    client.force_login(world.proxy)
    sent = client.post(f"/clearing/gift/city/{world.elder.pk}/", {**_form(fed), "step": "confirm"})
    assert sent.status_code == 302 and OutboundMessage.objects.get().sender == world.elder
    client.force_login(world.volunteer)
    assert client.get(f"/clearing/gift/city/{world.elder.pk}/").status_code == 404


def test_without_a_partner_city_the_page_says_so(client, world, fund):
    client.force_login(world.volunteer)
    page = client.get("/clearing/gift/city/")
    assert page.status_code == 200 and "尚未与其他城市" in page.content.decode()
