"""Who sees which statistics: a unit's staff see their subtree only; outside it is a 404, in the
page and the API alike; bad input is a 4xx with the standard error shape."""
import datetime as dt

import pytest

pytestmark = pytest.mark.django_db


def _q(w, node, **extra):
    params = {"node": node.pk, "period": "custom", "from": w.period.date_from.isoformat(),
              "to": w.period.date_to.isoformat(), **extra}
    return "&".join(f"{k}={v}" for k, v in params.items())


def test_the_bank_admin_sees_the_dashboard_with_real_figures_and_drills_down(stats_world, client):
    w = stats_world
    client.force_login(w.bank_admin)
    page = client.get(f"/stats/?{_q(w, w.bank)}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="fig-person-times">3<' in html and 'id="fig-elders-total">4<' in html
    assert f"node={w.branch_a.pk}" in html and "<svg" in html  # a child to click, and the charts
    branch = client.get(f"/stats/?{_q(w, w.branch_a)}")
    assert 'id="fig-person-times">2<' in branch.content.decode()
    assert f"node={w.station_a1.pk}" in branch.content.decode()


def test_htmx_gets_only_the_dashboard_fragment(stats_world, client):
    w = stats_world
    client.force_login(w.bank_admin)
    fragment = client.get(f"/stats/?{_q(w, w.branch_a)}", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="fig-person-times"' in fragment and "<html" not in fragment


def test_station_staff_see_only_their_station(stats_world, client):
    w = stats_world
    client.force_login(w.station_staff)
    page = client.get("/stats/")
    assert page.status_code == 200 and page.context["node"] == w.station_a1
    assert client.get(f"/stats/?{_q(w, w.branch_a)}").status_code == 404
    assert client.get(f"/stats/?{_q(w, w.station_a2)}").status_code == 404


def test_another_branch_admin_gets_404_in_page_and_api(stats_world, client, api_client):
    w = stats_world
    client.force_login(w.other_branch_admin)
    assert client.get(f"/stats/?{_q(w, w.branch_a)}").status_code == 404
    assert client.get(f"/stats/report.pdf?node={w.branch_a.pk}&month=2026-01").status_code == 404
    api_client.login_as(w.other_branch_admin)
    response = api_client.get(f"/api/v1/stats/summary?node={w.branch_a.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = api_client.get(f"/api/v1/stats/timeseries?node={w.station_a1.pk}&metric=services")
    assert response.status_code == 404
    assert api_client.get(f"/api/v1/stats/summary?node={w.branch_b.pk}").status_code == 200


def test_members_have_no_statistics(stats_world, client):
    w = stats_world
    client.force_login(w.volunteer)
    assert client.get("/stats/").status_code == 404


def test_the_auditor_reads_the_bank(stats_world, api_client):
    w = stats_world
    api_client.login_as(w.auditor)
    body = api_client.get(f"/api/v1/stats/summary?node={w.bank.pk}&from={w.period.date_from}&to={w.period.date_to}")
    assert body.status_code == 200
    data = body.json()
    assert data["services"] == {"person_times": 3, "served_minutes": 135}
    assert data["coins"]["outstanding"] == 215 and data["node"]["id"] == w.bank.pk


def test_the_timeseries_api_buckets_by_week_and_month(stats_world, api_client):
    w = stats_world
    api_client.login_as(w.bank_admin)
    for bucket in ("day", "week", "month"):
        data = api_client.get(f"/api/v1/stats/timeseries?{_q(w, w.bank, metric='services', bucket=bucket)}"
                              .replace("from=", "from=").replace("period=custom&", "")).json()
        assert sum(p["value"] for p in data["points"]) == 3, (bucket, data)


@pytest.mark.parametrize("query, code", [
    ("metric=nonsense", "metric_unknown"),
    ("metric=services&from=2026-13-01&to=2026-12-31", "date_invalid"),
    ("metric=services&from=yesterday&to=2026-01-01", "date_invalid"),
    ("metric=services&from=2026-02-01&to=2026-01-01", "range_invalid"),
    ("metric=services&from=2000-01-01&to=2026-01-01", "range_too_long"),
    ("metric=services&bucket=hour", "bucket_invalid"),
    ("metric=services&node=abc", "validation_error"),
    ("metric=services&node=99999999", "not_found"),
    ("metric=services&from=2026-01-01", "date_invalid"),
])
def test_bad_input_is_a_4xx_with_the_error_shape(world, api_client, query, code):
    api_client.login_as(world.bank_admin)
    response = api_client.get(f"/api/v1/stats/timeseries?{query}")
    assert 400 <= response.status_code < 500
    body = response.json()
    assert body["code"] == code and set(body) == {"code", "message", "detail"}
    if code == "bucket_invalid":  # its own words, not the period's
        assert body["message"] and "YYYY-MM-DD" not in body["message"]


def test_a_bad_period_on_the_page_falls_back_and_says_so(stats_world, client):
    client.force_login(stats_world.bank_admin)
    page = client.get("/stats/?period=custom&from=2026-02-01&to=2026-01-01")
    assert page.status_code == 200 and page.context["period_error"].code == "range_invalid"
    assert client.get("/stats/?period=fortnight").context["period_error"].code == "period_invalid"
    assert client.get("/stats/?node=abc").status_code == 404


def test_the_monthly_report_is_a_pdf_for_a_bank_or_branch(stats_world, client):
    w = stats_world
    client.force_login(w.branch_admin)
    month = w.service_day.strftime("%Y-%m")
    response = client.get(f"/stats/report.pdf?node={w.branch_a.pk}&month={month}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 5000
    assert client.get(f"/stats/report.pdf?node={w.branch_a.pk}&month=2026-13").status_code == 422


def test_the_monthly_report_prints_the_ledger_anchor_for_auditors(stats_world, client, monkeypatch):
    from timebank.ledger import chain
    from timebank.stats import report_pdf

    w = stats_world
    chain.seal_all(now=dt.datetime(2100, 1, 1, tzinfo=dt.UTC))  # every transfer so far
    anchor = chain.anchor_of(w.bank.pk)
    assert anchor and anchor.startswith(f"{w.bank.pk}:")
    printed, original = [], report_pdf._Pages.text

    def text(self, value, *args, **kwargs):
        printed.append(value)
        return original(self, value, *args, **kwargs)

    monkeypatch.setattr(report_pdf._Pages, "text", text)
    client.force_login(w.branch_admin)
    response = client.get(f"/stats/report.pdf?node={w.branch_a.pk}&month={w.service_day:%Y-%m}")
    assert response.status_code == 200 and anchor in printed


def test_the_rankings_load_after_the_page_and_without_javascript(stats_world, client):
    w = stats_world
    client.force_login(w.bank_admin)
    page = client.get(f"/stats/?{_q(w, w.bank)}").content.decode()
    assert 'hx-trigger="load"' in page and "section=rankings" in page
    fragment = client.get(f"/stats/?{_q(w, w.bank)}&section=rankings", HTTP_HX_REQUEST="true").content.decode()
    assert w.volunteer.name in fragment and "<html" not in fragment
    full = client.get(f"/stats/?{_q(w, w.bank)}&section=rankings").content.decode()
    assert w.volunteer.name in full and "<html" in full
    client.force_login(w.other_branch_admin)
    assert client.get(f"/stats/?{_q(w, w.branch_a)}&section=rankings").status_code == 404


def test_a_platform_admin_starts_at_the_first_bank(world, client):
    from timebank.conftest import make_person
    from timebank.orgs.services import role_grant

    admin = make_person(world.station_a1, "平台管理员", mobile="13900000099")
    role_grant(actor=None, person=admin, role="platform_admin", node=world.platform)
    client.force_login(admin)
    page = client.get("/stats/")
    assert page.status_code == 200 and page.context["node"] == world.bank
    assert client.get(f"/stats/?node={world.platform.pk}").status_code == 404
