"""Honours pages: the star level on the home card and the passbook, the service record and its
exports, the printed certificate with a QR code whose public page says whether it matches,
correction requests and the staff decision queue; staff of another branch get 404."""
import io
import re

from openpyxl import load_workbook

from timebank.honours.certificate_pdf import make_token
from timebank.honours.models import CorrectionStatus, RecordCertificate, RecordCorrection
from timebank.ledger.tests.test_pages_print import qr_urls


def test_the_star_level_shows_on_the_home_card_and_the_passbook(record_world, client):
    w = record_world
    client.force_login(w.volunteer)
    for url in ("/", "/ledger/"):
        page = client.get(url).content.decode()
        assert "☆☆☆☆☆" in page and "2 小时 30 分钟" in page


def test_the_service_record_exports_as_xlsx_and_pdf(record_world, client):
    w = record_world
    client.force_login(w.volunteer)
    page = client.get("/honours/record/").content.decode()
    assert w.chat.name in page and w.lecture.name in page
    xlsx = client.get("/honours/record.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][2] == w.chat.name and rows[2][5] == 90
    assert rows[-1][5] == 150
    pdf = client.get("/honours/record.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"/FontFile2" in pdf.content
    assert client.get("/honours/record.doc").status_code == 404


def test_staff_issue_a_certificate_whose_qr_code_says_it_matches(record_world, client):
    w = record_world
    client.force_login(w.station_staff)
    assert "李志愿" in client.get(f"/honours/people/{w.volunteer.pk}/record/").content.decode()
    response = client.post(f"/honours/people/{w.volunteer.pk}/certificate/", {"person_in_charge": "王主任",
                                                                              "contact": "021-65000000"})
    assert response.status_code == 302
    certificate = RecordCertificate.objects.get(person=w.volunteer)
    assert certificate.total_minutes == 150
    client.force_login(w.volunteer)  # the volunteer prints their own certificate
    pdf = client.get(f"/honours/certificates/{certificate.number}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYiMicroHei", pdf.content) and b"/FontFile2" in pdf.content
    urls = qr_urls(pdf.content)
    assert urls
    client.logout()
    page = client.get(urls[-1].split("127.0.0.1:8000", 1)[-1]).content.decode()
    assert "证明与服务记录一致" in page and certificate.number in page and "李*愿" in page


def test_a_tampered_or_outdated_certificate_does_not_match(record_world, client):
    w = record_world
    certificate = RecordCertificate.objects.create(
        number="VR20260101TEST", bank=w.bank, person=w.volunteer, issuer=w.station_a1, handler=w.station_staff,
        total_minutes=150, summary={"years": {}})
    token = make_token(certificate)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    page = client.get(f"/honours/verify/{forged}/").content.decode()
    assert "证明与服务记录不一致" in page and "不是时间银行生成的" in page
    page = client.get(f"/honours/verify/{token}/").content.decode()  # genuine, but states no years
    assert "证明与服务记录不一致" in page


def test_a_volunteer_asks_for_a_correction_and_staff_decide(record_world, client):
    w = record_world
    client.force_login(w.volunteer)
    assert client.post("/honours/corrections/new/", {"description": ""}).status_code == 422
    client.post("/honours/corrections/new/", {"assignment": w.served_chat.pk, "description": "少记了30分钟"})
    correction = RecordCorrection.objects.get(person=w.volunteer)
    client.force_login(w.other_station_staff)
    assert "少记了30分钟" not in client.get("/honours/corrections/").content.decode()
    assert client.post(f"/honours/corrections/{correction.pk}/decide/", {"decision": "accept"}).status_code == 404
    client.force_login(w.station_staff)
    assert "少记了30分钟" in client.get("/honours/corrections/").content.decode()
    client.post(f"/honours/corrections/{correction.pk}/decide/", {"decision": "accept", "note": "已补录"})
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.ACCEPTED and correction.decision_note == "已补录"


def test_another_branchs_staff_get_404(record_world, client):
    w = record_world
    client.force_login(w.other_branch_admin)
    assert client.get(f"/honours/people/{w.volunteer.pk}/record/").status_code == 404
    assert client.get(f"/honours/people/{w.volunteer.pk}/record.xlsx").status_code == 404
    assert client.post(f"/honours/people/{w.volunteer.pk}/certificate/", {"person_in_charge": "x"}).status_code == 404


def test_only_staff_who_keep_the_register_issue_a_certificate(record_world, client):
    """Reading the register (the auditor, medical staff) is not certifying anyone's hours."""
    from timebank.conftest import make_person
    from timebank.orgs.roles import Role
    from timebank.orgs.services import role_grant

    w = record_world
    medic = make_person(w.station_a1, "五角场医生", mobile="13900000021")
    role_grant(actor=None, person=medic, role=Role.MEDICAL_STAFF, node=w.branch_a)
    for reader in (w.auditor, medic):
        client.force_login(reader)
        page = client.get(f"/honours/people/{w.volunteer.pk}/record/")
        assert page.status_code == 200 and f"/honours/people/{w.volunteer.pk}/certificate/" not in page.content.decode()
        assert client.get(f"/honours/people/{w.volunteer.pk}/certificate/").status_code == 404
        response = client.post(f"/honours/people/{w.volunteer.pk}/certificate/", {"person_in_charge": "x"})
        assert response.status_code == 404
    assert not RecordCertificate.objects.exists()
    client.force_login(w.branch_admin)
    assert client.post(f"/honours/people/{w.volunteer.pk}/certificate/",
                       {"person_in_charge": "王主任"}).status_code == 302
    assert RecordCertificate.objects.get().issuer == w.branch_a
