"""A volunteer's skills and free times, stated at sign-up (page or API) and kept by staff: bad input is
refused with a translated error and nothing is written; what they said decides which new requests they
are told of (精准推送) and puts them first on the staff's dispatch list."""
import datetime as dt

import pytest
from django.utils import translation

from timebank.conftest import new_id_number
from timebank.demands import selectors, services
from timebank.demands.services.announce import demand_slot
from timebank.lib.errors import DomainError
from timebank.notices.models import Notice, NoticeKind, NoticePreference
from timebank.people.models import Person
from timebank.people.services import person_update, volunteer_decide

from .conftest import new_demand, tomorrow_at

pytestmark = pytest.mark.django_db


def signup_payload(w, **overrides):
    payload = {"name": "刘小青", "mobile": "13700000001", "password": "Volunteer#2026",
               "id_number": new_id_number(dt.date(1990, 4, 5), "F"), "station_id": w.station_a1.pk,
               "consent": True}
    return {**payload, **overrides}


def test_a_volunteer_who_signs_up_with_skills_hears_of_the_requests_that_fit(demand_world, clock, api_client):
    w = demand_world
    slot = demand_slot(new_demand(w, publish=False, starts_at=tomorrow_at(9)))
    response = api_client.post("/api/v1/signup", signup_payload(w, skills=["chat_visit"], free_slots=[slot]),
                               content_type="application/json")
    assert response.status_code == 201, response.content
    newcomer = Person.objects.get(pk=response.json()["id"])
    assert (newcomer.skills, newcomer.free_slots) == (["chat_visit"], [slot])
    volunteer_decide(actor=w.station_staff, person=newcomer, approve=True)

    chat = new_demand(w, starts_at=tomorrow_at(9))
    lecture = new_demand(w, service_type=w.lecture, starts_at=tomorrow_at(10))
    evening_chat = new_demand(w, starts_at=tomorrow_at(19))
    services.demands_announce()
    told = {d: set(Notice.objects.filter(kind=NoticeKind.NEW_DEMAND, subject_id=d.pk)
                   .values_list("person_id", flat=True)) for d in (chat, lecture, evening_chat)}
    assert newcomer.pk in told[chat]
    assert newcomer.pk not in told[lecture]  # not a kind they said they do
    assert newcomer.pk not in told[evening_chat]  # not a time they said they are free
    assert w.volunteer.pk in told[lecture]  # who said nothing hears of everything, as before


@pytest.mark.parametrize("fields,code", [
    ({"skills": ["flying"]}, "skill_unknown"),
    ({"skills": ["chat_visit", "<script>"]}, "skill_unknown"),
    ({"free_slots": ["mon_am", "mon_am"]}, "free_times_invalid"),  # the same time twice: overlapping
    ({"free_slots": ["monday 9-12"]}, "free_times_invalid"),
    ({"free_slots": ["mon_night"]}, "free_times_invalid"),
])
def test_unknown_skills_and_garbage_times_are_refused_in_plain_words(demand_world, api_client, fields, code):
    w = demand_world
    before = Person.objects.count()
    response = api_client.post("/api/v1/signup", signup_payload(w, **fields), content_type="application/json",
                               headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # translated, not the English source
    assert Person.objects.count() == before


def test_the_sign_up_page_keeps_skills_and_refuses_a_skill_of_no_bank(demand_world, client):
    w = demand_world
    form = {"name": "刘小青", "id_number": new_id_number(dt.date(1990, 4, 5), "F"), "mobile": "13700000001",
            "password": "Volunteer#2026", "password_again": "Volunteer#2026", "station": w.station_a1.pk,
            "consent": "on", "skills": ["flying"], "free_slots": ["tue_pm"]}
    with translation.override("zh-hans"):
        refused = client.post("/signup/", form)
    assert refused.status_code == 422 and not Person.objects.filter(mobile="13700000001").exists()
    form["skills"] = ["chat_visit", "meal_help"]
    assert client.post("/signup/", form).status_code == 302
    person = Person.objects.get(mobile="13700000001")
    assert (person.skills, person.free_slots) == (["chat_visit", "meal_help"], ["tue_pm"])
    assert NoticePreference.objects.get(person=person).service_codes == ["chat_visit", "meal_help"]


def test_staff_see_and_change_a_volunteers_skills_and_dispatch_puts_them_first(demand_world, client, api_client):
    w = demand_world
    demand = new_demand(w, starts_at=tomorrow_at(9))
    # Without stated skills the nearest comes first (volunteer at the station, volunteer2 about 2 km away).
    assert [c.volunteer for c in selectors.volunteers_for_demand(demand)][:2] == [w.volunteer, w.volunteer2]
    api_client.login_as(w.branch_admin)  # volunteer2 lives at the branch's other station
    response = api_client.patch(f"/api/v1/people/{w.volunteer2.pk}", {"skills": ["chat_visit"],
                                "free_slots": [demand_slot(demand)]}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["skills"] == ["chat_visit"]
    first = selectors.volunteers_for_demand(demand)[0]
    assert first.volunteer == w.volunteer2 and first.skilled and first.usually_free
    assert NoticePreference.objects.get(person=w.volunteer2).service_codes == ["chat_visit"]

    client.force_login(w.branch_admin)
    page = client.get(f"/people/{w.volunteer2.pk}/").content.decode()
    assert "聊天慰问" in page
    # Another branch's staff cannot change them (404), and nothing changes.
    api_client.login_as(w.other_branch_admin)
    response = api_client.patch(f"/api/v1/people/{w.volunteer2.pk}", {"skills": []}, content_type="application/json")
    assert response.status_code == 404
    w.volunteer2.refresh_from_db()
    assert w.volunteer2.skills == ["chat_visit"]


def test_a_skill_is_checked_against_the_volunteers_own_bank(demand_world):
    w = demand_world
    with pytest.raises(DomainError) as err:
        person_update(actor=w.station_staff, person=w.volunteer, skills=["no_such_code"])
    assert err.value.code == "skill_unknown"
