"""Clerks approve volunteers in bulk: the ticked ones at once, all or none; another branch's person
in the batch stops it and changes nothing."""
import pytest

from timebank.people import services
from timebank.people.models import VolunteerStatus

pytestmark = pytest.mark.django_db


def signup(world, name, mobile, station=None):
    from timebank.conftest import new_id_number

    return services.person_register(actor=None, station=station or world.station_a1, name=name,
                                    id_number=new_id_number(), mobile=mobile, consent=True, is_volunteer=True,
                                    self_signup=True)


def test_the_ticked_volunteers_are_approved_at_once(world, client):
    first, second = signup(world, "钱一", "13800000101"), signup(world, "孙二", "13800000102")
    client.force_login(world.station_staff)
    page = client.get("/approvals/").content.decode()
    assert f'id="tick-{first.pk}"' in page and 'form="bulk-approvals"' in page
    response = client.post("/approvals/decide/", {"person": [first.pk, second.pk], "decision": "approve"})
    assert response.status_code == 302
    first.refresh_from_db(), second.refresh_from_db()
    assert first.volunteer_status == second.volunteer_status == VolunteerStatus.APPROVED


def test_one_out_of_reach_stops_the_whole_batch(world, client):
    mine, theirs = signup(world, "钱一", "13800000101"), signup(world, "赵三", "13800000103", world.station_b1)
    client.force_login(world.station_staff)
    assert client.post("/approvals/decide/", {"person": [mine.pk, theirs.pk], "decision": "approve"}).status_code == 404
    mine.refresh_from_db()
    assert mine.volunteer_status == VolunteerStatus.PENDING
