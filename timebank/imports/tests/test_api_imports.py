"""The roster import API: upload → dry-run report → commit, idempotency, scoping, garbage."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from timebank.audit.models import AuditEvent
from timebank.imports.models import ImportJob, ImportRow
from timebank.people.models import Person

from .conftest import HEADER, csv_text, id_for, xlsx_bytes


def _upload(api_client, world, data, name="roster.xlsx", **fields):
    form = {"kind": "elders", "node_id": world.station_a1.pk, "consent": "true", **fields}
    return api_client.post("/api/v1/imports", {**form, "file": SimpleUploadedFile(name, data)})


def test_it_uploads_reports_and_commits_once_per_idempotency_key(world, api_client):
    api_client.login_as(world.station_staff)
    data = xlsx_bytes([HEADER, ["王秀英", id_for(), "女", "", "", "", ""],
                       ["李坏号", "310110195003050000", "", "", "", "", ""]])
    response = _upload(api_client, world, data)
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "dry_run"
    assert job["counts"] == {"rows": 2, "create": 1, "skip": 0, "reject": 1, "created": 0}
    report = api_client.get(f"/api/v1/imports/{job['id']}").json()
    assert report["rejected_total"] == 1
    assert report["rejected"][0]["row"] == 3
    assert [r["code"] for r in report["rejected"][0]["reasons"]] == ["id_number_checksum"]
    rows = api_client.get(f"/api/v1/imports/{job['id']}/rows?outcome=create").json()
    assert [r["row"] for r in rows["items"]] == [2]

    first = api_client.post(f"/api/v1/imports/{job['id']}/commit", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "committed" and first.json()["counts"]["created"] == 1
    replay = api_client.post(f"/api/v1/imports/{job['id']}/commit", HTTP_IDEMPOTENCY_KEY="k1")
    assert replay.status_code == 200 and replay.json()["id"] == job["id"]
    again = api_client.post(f"/api/v1/imports/{job['id']}/commit")
    assert again.status_code == 409 and again.json()["code"] == "import_not_committable"
    assert Person.objects.filter(name="王秀英").count() == 1


def test_another_branch_gets_404_from_the_api(world, api_client, upload):
    job = upload(xlsx_bytes([HEADER, ["王秀英", id_for(), "", "", "", "", ""]]))
    api_client.login_as(world.other_station_staff)
    for url in (f"/api/v1/imports/{job.pk}", f"/api/v1/imports/{job.pk}/rows"):
        assert api_client.get(url).status_code == 404
    response = api_client.post(f"/api/v1/imports/{job.pk}/commit")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    # Nor can they import into a station that is not theirs.
    response = _upload(api_client, world, xlsx_bytes([HEADER, ["某人", id_for(), "", "", "", "", ""]]))
    assert response.status_code == 404
    assert Person.objects.filter(name="王秀英").count() == 0


@pytest.mark.parametrize(("name", "data", "code", "status"), [
    ("photo.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300), "import_file_unreadable", 422),
    ("broken.xlsx", b"PK\x03\x04" + b"not really a zip" * 20, "import_file_unreadable", 422),
    ("empty.csv", b"", "import_file_empty", 422),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "import_file_xls", 422),
    ("columns.csv", "商品,价格\n苹果,3\n".encode(), "import_columns_unknown", 422),
    ("no-id.csv", "姓名,性别\n王秀英,女\n".encode(), "import_columns_missing", 422),
    ("header-only.csv", "姓名,身份证号\n".encode(), "import_no_rows", 422),
    ("huge.csv", b"a" * (20 * 1024 * 1024 + 1), "import_file_too_large", 413),
])
def test_a_garbage_upload_is_a_clear_4xx_and_writes_nothing(world, api_client, name, data, code, status):
    api_client.login_as(world.station_staff)
    events = AuditEvent.objects.count()
    response = _upload(api_client, world, data, name=name)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert ImportJob.objects.count() == 0 and ImportRow.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_the_upload_needs_a_kind_and_consent(world, api_client):
    api_client.login_as(world.station_staff)
    data = csv_text([HEADER, ["王秀英", id_for(), "", "", "", "", ""]]).encode()
    assert _upload(api_client, world, data, name="r.csv", kind="cats").json()["code"] == "import_kind_invalid"
    assert _upload(api_client, world, data, name="r.csv", consent="false").json()["code"] == "consent_required"
    assert ImportJob.objects.count() == 0


def test_a_multipart_body_without_a_boundary_is_a_400(world, api_client):
    api_client.login_as(world.station_staff)
    response = api_client.generic("POST", "/api/v1/imports", b"--x\r\n", content_type="multipart/form-data")
    assert response.status_code == 400 and response.json()["code"] == "multipart_invalid"
