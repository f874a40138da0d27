"""精准推送: a published request reaches the volunteers who fit it and want to hear of it (distance,
kinds of service, free times, by short message or not), once, and never before it is published."""
import pytest

from timebank.demands import services
from timebank.demands.services.announce import demand_slot
from timebank.notices.models import Notice, NoticeKind, SmsState
from timebank.notices.services import notice_preference_set

from .conftest import new_demand

pytestmark = pytest.mark.django_db


def told(demand) -> set:
    return set(Notice.objects.filter(kind=NoticeKind.NEW_DEMAND, subject_id=demand.pk)
               .values_list("person__name", flat=True))


def prefer(w, person, **fields):
    defaults = {"new_demands": True, "new_demands_by_sms": False, "max_km": 3, "service_codes": [],
                "free_slots": []}
    return notice_preference_set(actor=person, known_codes=["chat_visit", "health_lecture", "haircut"],
                                 **{**defaults, **fields})


def test_a_published_request_reaches_the_fitting_volunteers_once(demand_world):
    w = demand_world
    demand = new_demand(w)
    services.demands_announce()
    services.demands_announce()  # the sweep again: nobody is told twice
    assert told(demand) == {w.volunteer.name, w.volunteer2.name}  # not 长白's volunteer: another branch
    assert Notice.objects.filter(kind=NoticeKind.NEW_DEMAND).count() == 2


def test_a_draft_is_not_announced_until_it_is_published(demand_world):
    w = demand_world
    demand = new_demand(w, publish=False)
    services.demands_announce()
    assert told(demand) == set()
    services.demand_publish(actor=w.station_staff, demand=demand)
    services.demands_announce()
    assert w.volunteer.name in told(demand)


def test_each_volunteers_preferences_choose_what_they_hear(demand_world):
    w = demand_world
    demand = new_demand(w)
    prefer(w, w.volunteer2, max_km=1)  # 政立路 is about 2 km from 国权路
    prefer(w, w.volunteer, service_codes=["haircut"])
    services.demands_announce()
    assert told(demand) == set()
    other = new_demand(w, service_type=w.lecture)
    prefer(w, w.volunteer, service_codes=["health_lecture"], free_slots=[demand_slot(other)],
           new_demands_by_sms=True)
    services.demands_announce()
    assert told(other) == {w.volunteer.name}
    notice = Notice.objects.get(kind=NoticeKind.NEW_DEMAND, subject_id=other.pk)
    assert notice.sms == SmsState.PENDING and f"#{other.pk}" in notice.sms_text


def test_someone_who_opted_out_or_is_busy_hears_nothing(demand_world):
    w = demand_world
    prefer(w, w.volunteer2, new_demands=False)
    first = new_demand(w)
    services.demand_claim(actor=w.volunteer, demand=first)
    second = new_demand(w, starts_at=first.starts_at)  # the same hour: 李志愿 is busy
    Notice.objects.all().delete()
    services.demands_announce()
    assert told(second) == set()


def test_preferences_through_the_api_refuse_what_is_not_on_the_list(demand_world, api_client):
    w = demand_world
    api_client.login_as(w.volunteer)
    assert api_client.get("/api/v1/me/notice-preferences").json()["max_km"] == 3
    saved = api_client.put("/api/v1/me/notice-preferences", {"max_km": 5, "service_codes": ["chat_visit"],
                                                              "free_slots": ["sat_am"]},
                           content_type="application/json")
    assert saved.status_code == 200 and saved.json()["free_slots"] == ["sat_am"]
    for body, code in (({"service_codes": ["no_such"]}, "service_code_unknown"),
                       ({"free_slots": ["someday"]}, "free_slot_unknown")):
        refused = api_client.put("/api/v1/me/notice-preferences", body, content_type="application/json")
        assert refused.status_code == 422 and refused.json()["code"] == code
    assert api_client.get("/api/v1/me/notice-preferences").json()["max_km"] == 5


def test_the_page_saves_the_choices(demand_world, client):
    w = demand_world
    client.force_login(w.volunteer)
    page = client.get("/demands/alerts/").content.decode()
    assert 'name="free_slots" value="sun_eve"' in page
    saved = client.post("/demands/alerts/", {"new_demands": "1", "max_km": "2", "service_codes": ["chat_visit"],
                                              "free_slots": ["mon_am", "sat_pm"]})
    assert saved.status_code == 302
    pref = w.volunteer.notice_preference
    assert (pref.max_km, pref.service_codes, pref.free_slots) == (2, ["chat_visit"], ["mon_am", "sat_pm"])
    refused = client.post("/demands/alerts/", {"max_km": "90"})
    assert refused.status_code == 422
    w.volunteer.notice_preference.refresh_from_db()
    assert w.volunteer.notice_preference.max_km == 2
