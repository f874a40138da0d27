import pytest

from timebank.conftest import make_person
from timebank.health import services
from timebank.health.exceptions import CardActiveExists, CardUidTaken
from timebank.health.models import CardStatus
from timebank.lib.errors import NotFound

from .conftest import bp


def test_it_stops_a_lost_card_at_once_and_the_reissued_card_works(health_world):
    w = health_world
    assert services.readings_ingest(device=w.device, items=[bp(1)])[0]["status"] == "stored"
    services.card_report_lost(actor=w.station_staff, card=w.card)
    result = services.readings_ingest(device=w.device, items=[bp(2)])[0]
    assert (result["status"], result["code"]) == ("rejected", "card_lost")
    new = services.card_reissue(actor=w.medic, card=w.card, uid="04FFEE01")
    assert new.status == CardStatus.ACTIVE
    assert services.readings_ingest(device=w.device, items=[bp(3, uid="04FFEE01")])[0]["status"] == "stored"
    assert services.readings_ingest(device=w.device, items=[bp(4)])[0]["code"] == "card_lost"


def test_it_keeps_one_active_card_per_elder_and_a_uid_unique_per_bank(health_world):
    w = health_world
    with pytest.raises(CardActiveExists):
        services.card_issue(actor=w.station_staff, elder=w.elder, uid="04000001")
    elder2 = make_person(w.station_a1, "李大爷", is_elder=True)
    with pytest.raises(CardUidTaken):
        services.card_issue(actor=w.station_staff, elder=elder2, uid="04a1b2c3")
    services.card_reissue(actor=w.station_staff, card=w.card, uid="04000002")
    w.card.refresh_from_db()
    assert w.card.status == CardStatus.REPLACED
    with pytest.raises(CardUidTaken):  # an old UID never comes back to someone else
        services.card_issue(actor=w.station_staff, elder=elder2, uid="04A1B2C3")


def test_it_refuses_cards_outside_the_staff_members_reach(health_world):
    w = health_world
    with pytest.raises(NotFound):
        services.card_issue(actor=w.other_station_staff, elder=w.elder, uid="04000003")
    with pytest.raises(NotFound):
        services.card_issue(actor=w.volunteer, elder=w.other_elder, uid="04000003")
