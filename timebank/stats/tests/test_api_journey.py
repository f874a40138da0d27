"""What a bank admin does in the browser, through the API alone: import a messy roster (GBK CSV),
commit it, and read the new elders in the summary and the time series of the station, the branch and
the bank."""
import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from timebank.imports.tests.conftest import id_for
from timebank.people.models import Person
from timebank.stats import services as stats


def _gbk_roster(station_name: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([
        ["杨浦区老年人花名册"],
        ["姓名", "身份证号", "出生日期", "手机号", "服务站"],
        ["接口甲", id_for().lower(), "1950/3/5", "１３９ １２３４ ５６７８", station_name],
        [],
        ["接口乙", id_for(), "1950年3月5日", "139-1234-5679", station_name],
        ["坏校验", "310110195003050000", "19500305", "", station_name],
        ["制表人：", "", "", "", ""],
    ])
    return buffer.getvalue().encode("gbk")


def test_import_then_read_the_figures_through_the_api(world, api_client, django_capture_on_commit_callbacks):
    w = world
    stats.rollups_reconcile(bank=w.bank, rebuild=True)  # the fixture's people were made without the services
    api_client.login_as(w.bank_admin)
    today = timezone.localdate().isoformat()

    def summary(node):
        response = api_client.get(f"/api/v1/stats/summary?node={node.pk}&from={today}&to={today}")
        assert response.status_code == 200, response.content
        return response.json()["people"]

    before = {n.pk: summary(n) for n in (w.station_a1, w.branch_a, w.bank)}
    with django_capture_on_commit_callbacks(execute=True):
        upload = api_client.post("/api/v1/imports", {
            "kind": "elders", "node_id": w.station_a1.pk, "consent": "true",
            "file": SimpleUploadedFile("花名册.csv", _gbk_roster(w.station_a1.name), content_type="text/csv")})
    assert upload.status_code == 201, upload.content
    job = upload.json()
    assert job["counts"]["create"] == 2 and job["counts"]["reject"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        commit = api_client.post(f"/api/v1/imports/{job['id']}/commit")
    assert commit.status_code == 200 and commit.json()["counts"]["created"] == 2
    assert set(Person.objects.filter(name__in=["接口甲", "接口乙"]).values_list("mobile", flat=True)) == {
        "13912345678", "13912345679"}

    for node in (w.station_a1, w.branch_a, w.bank):
        after = summary(node)
        assert after["elders_new"] == before[node.pk]["elders_new"] + 2, node
        assert after["elders_total"] == before[node.pk]["elders_total"] + 2, node
    series = api_client.get(f"/api/v1/stats/timeseries?node={w.station_a1.pk}&metric=elders_new"
                            f"&from={today}&to={today}&bucket=day").json()
    assert series["points"] == [{"start": today, "value": before[w.station_a1.pk]["elders_new"] + 2}]
    # Another branch's staff cannot read the station's figures.
    api_client.login_as(w.other_branch_admin)
    assert api_client.get(f"/api/v1/stats/summary?node={w.station_a1.pk}").status_code == 404
