"""The volunteer's card and wristband (Fengtai's 志愿者卡、手环): staff issue a card (a new id, printed
with its QR code) or record a wristband's tag id; scanning it at the station finds the volunteer's
tasks today there, checks them in and out, and opens their passbook for staff who may see it."""
import pytest

from timebank.demands import services
from timebank.demands.models import AssignmentStatus
from timebank.lib.errors import InvalidInput
from timebank.people import services as people
from timebank.tests.printed import pdf_text

from .conftest import new_demand, tomorrow_at

pytestmark = pytest.mark.django_db


def test_staff_issue_a_card_and_a_wristband_replaces_it(demand_world, client):
    w = demand_world
    client.force_login(w.station_staff)
    client.post(f"/people/{w.volunteer.pk}/tag/", {"tag_id": ""})
    w.volunteer.refresh_from_db()
    card = w.volunteer.tag_id
    assert card.startswith("V") and len(card) == 11
    assert card in pdf_text(client.get(f"/people/{w.volunteer.pk}/card.pdf").content)
    client.post(f"/people/{w.volunteer.pk}/tag/", {"tag_id": "04a1b2c3d4"})
    w.volunteer.refresh_from_db()
    assert w.volunteer.tag_id == "04A1B2C3D4"
    with pytest.raises(InvalidInput) as taken:
        people.volunteer_tag_set(actor=w.branch_admin, person=w.volunteer2, tag_id="04A1B2C3D4")
    assert taken.value.code == "tag_taken"
    w.volunteer2.refresh_from_db()
    assert w.volunteer2.tag_id == ""


def test_only_approved_volunteers_get_one_and_bad_ids_are_refused(demand_world):
    w = demand_world
    with pytest.raises(InvalidInput) as not_volunteer:
        people.volunteer_tag_set(actor=w.station_staff, person=w.elder)
    assert not_volunteer.value.code == "not_a_volunteer"
    with pytest.raises(InvalidInput) as bad:
        people.volunteer_tag_set(actor=w.station_staff, person=w.volunteer, tag_id="<script>")
    assert bad.value.code == "tag_invalid"


def test_a_scan_at_the_station_checks_the_volunteer_in_and_out(demand_world, client, clock):
    w = demand_world
    people.volunteer_tag_set(actor=w.station_staff, person=w.volunteer, tag_id="04CAFE")
    demand = new_demand(w, starts_at=tomorrow_at(9))
    assignment = services.demand_claim(actor=w.volunteer, demand=demand)
    clock.at(demand.starts_at)
    client.force_login(w.station_staff)
    page = client.get("/demands/scan/", {"tag": "04cafe"}).content.decode()
    assert w.volunteer.name in page and f'id="task-{assignment.pk}"' in page
    client.post(f"/demands/tasks/{assignment.pk}/check-in/", {"next": "/demands/scan/?tag=04CAFE"})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CHECKED_IN and assignment.check_in_method == "staff"
    clock.advance(minutes=60)
    back = client.post(f"/demands/tasks/{assignment.pk}/check-out/", {"next": "/demands/scan/?tag=04CAFE"})
    assert back.status_code == 302 and back["Location"] == "/demands/scan/?tag=04CAFE"
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE


def test_another_branchs_staff_find_nobody(demand_world, client):
    w = demand_world
    people.volunteer_tag_set(actor=w.station_staff, person=w.volunteer, tag_id="04CAFE")
    client.force_login(w.other_station_staff)
    page = client.get("/demands/scan/", {"tag": "04CAFE"}).content.decode()
    assert w.volunteer.name not in page


def test_after_a_scan_the_field_is_empty_for_the_readers_next_id(demand_world, client):
    """A USB reader types the next id and Enter into the focused field: an id left in it would be
    prefixed to the next one, and that volunteer never found."""
    w = demand_world
    people.volunteer_tag_set(actor=w.station_staff, person=w.volunteer, tag_id="04CAFE")
    client.force_login(w.station_staff)
    page = client.get("/demands/scan/", {"tag": "04cafe"}).content.decode()
    assert w.volunteer.name in page and "04CAFE" in page  # the id scanned is shown beside the volunteer
    assert 'name="tag" value=""' in page
