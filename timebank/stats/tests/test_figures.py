"""Each figure of the dashboard against a district built through the services (see conftest)."""
import pytest

from timebank.ledger.selectors import liability_report
from timebank.stats import selectors

pytestmark = pytest.mark.django_db


def _summary(w, node, actor=None):
    return selectors.summary(actor=actor or w.bank_admin, node=node, date_from=w.period.date_from,
                             date_to=w.period.date_to)


def test_it_counts_people_services_and_demands_for_the_bank(stats_world):
    w = stats_world
    s = _summary(w, w.bank)
    assert s["people"] == {"elders_new": 4, "elders_total": 4, "volunteers_new": 4, "volunteers_total": 4}
    assert s["services"] == {"person_times": 3, "served_minutes": 60 + 30 + 45}
    assert s["unmet"] == {"demands": 5, "expired": 1, "partly_filled": 1, "unmet": 2, "unmet_percent": 40.0,
                          "places_requested": 6, "avg_minutes_to_claim": (90 + 30 + 0 + 20) // 4}
    assert s["no_show"] == {"no_shows": 1, "due": 4, "percent": 25.0}
    assert s["rating"] == {"ratings": 3, "average": 4.0}
    assert s["active_volunteers"] == {"days_30": 3, "days_90": 3}
    assert s["teams"] == 0


def test_it_counts_coins_as_the_ledger_does(stats_world):
    w = stats_world
    s = _summary(w, w.bank)
    assert s["coins"] == {"issued": 60 + 30 + 45 + 100, "redeemed": 0, "donated": 20,
                          "outstanding": 60 + 30 + 45 + 100 - 20}
    assert s["coins"]["outstanding"] == liability_report(w.bank_admin, w.bank)["outstanding"]


def test_it_breaks_services_down_by_type_category_and_unit(stats_world):
    w = stats_world
    s = _summary(w, w.bank)
    assert [(r["code"], r["services"], r["served_minutes"]) for r in s["by_type"]] == [
        ("chat_visit", 2, 105), ("health_lecture", 1, 30)]
    assert [(r["category"], r["services"]) for r in s["by_category"]] == [("emotional", 2), ("health", 1)]
    children = {c["id"]: c for c in s["children"]}
    assert set(children) == {w.branch_a.pk, w.branch_b.pk}
    assert (children[w.branch_a.pk]["person_times"], children[w.branch_a.pk]["served_minutes"]) == (2, 90)
    assert (children[w.branch_b.pk]["person_times"], children[w.branch_b.pk]["served_minutes"]) == (1, 45)
    assert children[w.branch_a.pk]["demands"] == 4 and children[w.branch_a.pk]["expired"] == 1


def test_it_ranks_volunteers_and_reports_retention(stats_world):
    w = stats_world
    s = _summary(w, w.bank)
    assert [(r["name"], r["served_minutes"]) for r in s["top_volunteers"]] == [
        (w.volunteer.name, 60), (w.other_volunteer.name, 45), (w.new_volunteer.name, 30)]
    this_month = [r for r in s["retention"] if r["joined"]]
    assert this_month == [{"month": w.period.date_from.strftime("%Y-%m"), "joined": 4, "active_90_days": 3,
                           "percent": 75.0}]


def test_a_station_counts_only_its_own(stats_world):
    w = stats_world
    s = _summary(w, w.station_a1, actor=w.station_staff)
    assert s["people"]["elders_total"] == 3 and s["people"]["volunteers_total"] == 2
    assert s["services"] == {"person_times": 2, "served_minutes": 90}
    assert s["unmet"]["demands"] == 3 and s["no_show"]["no_shows"] == 0
    assert s["children"] == []


def test_the_timeseries_puts_hours_on_the_service_day(stats_world):
    w = stats_world
    points = selectors.timeseries(actor=w.bank_admin, node=w.bank, metric="served_minutes",
                                  date_from=w.period.date_from, date_to=w.period.date_to, bucket="day")
    by_day = {p["start"]: p["value"] for p in points}
    assert by_day[w.service_day.isoformat()] == 135
    assert sum(by_day.values()) == 135 and len(points) == w.period.days


def test_active_volunteers_count_by_home_station_and_fade_after_the_window(stats_world, clock):
    import datetime as dt

    w = stats_world
    def active(node, actor, days_later):
        clock.at(w.visit.starts_at + dt.timedelta(days=days_later))
        return selectors.active_volunteers(actor=actor, node=node, date_to=w.service_day + dt.timedelta(days=days_later))

    assert active(w.station_a1, w.station_staff, 0) == {"days_30": 2, "days_90": 2}  # volunteer, new_volunteer
    assert active(w.station_a2, w.branch_admin, 0) == {"days_30": 0, "days_90": 0}  # volunteer2 did not come
    assert active(w.bank, w.bank_admin, 29) == {"days_30": 3, "days_90": 3}
    assert active(w.bank, w.bank_admin, 30) == {"days_30": 0, "days_90": 3}
    assert active(w.bank, w.bank_admin, 90) == {"days_30": 0, "days_90": 0}
