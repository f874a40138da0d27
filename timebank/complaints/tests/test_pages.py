"""The complaint pages (still under /suppliers/complaints/): the member's form with photos, my
complaints, the staff board and a complaint's handling, the staff home's complaint tile."""
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from timebank.complaints import services as complaints
from timebank.complaints.models import Complaint
from timebank.suppliers.tests.test_pages import media, signed_in  # noqa: E402,F401 - the same fixtures


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_member_complaint_form_refuses_garbage_photos_and_files_good_ones(sw, client):
    w = sw
    c = signed_in(client, w.proxy)
    w.proxy.node = w.station_a1
    garbage = SimpleUploadedFile("x.jpg", b"garbage", content_type="image/jpeg")
    response = c.post("/suppliers/complaints/new/", {"subject": "supplier", "supplier": w.supplier.pk,
                                                     "category": "quality", "text": "剪坏了", "photos": garbage})
    assert response.status_code == 422 and Complaint.objects.count() == 0
    assert "JPEG" in response.content.decode()
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3, 3)).save(buffer, "JPEG")
    good = SimpleUploadedFile("ok.jpg", buffer.getvalue(), content_type="image/jpeg")
    response = c.post("/suppliers/complaints/new/", {"subject": "supplier", "supplier": w.supplier.pk,
                                                     "category": "quality", "text": "剪坏了", "photos": good})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert f"#{complaint.pk}" in c.get("/suppliers/complaints/mine/").content.decode()
    staff = signed_in(client.__class__(), w.station_staff)
    assert f"#{complaint.pk}" in staff.get("/suppliers/complaints/").content.decode()
    photo = complaint.photos.get()
    assert staff.get(f"/suppliers/complaints/photos/{photo.pk}/").status_code == 200
    other = signed_in(client.__class__(), w.other_station_staff)
    assert other.get(f"/suppliers/complaints/{complaint.pk}/").status_code == 404
    assert other.get(f"/suppliers/complaints/photos/{photo.pk}/").status_code == 404
    staff.post(f"/suppliers/complaints/{complaint.pk}/", {"action": "accept"})
    complaint.refresh_from_db()
    assert complaint.status == "accepted"


def test_the_complaint_page_resolves_with_a_volunteer_suspension(sw, client):
    w = sw
    complaint = complaints.complaint_file(actor=w.elder, subject="volunteer", volunteer=w.volunteer,
                                        category="attitude", text="态度恶劣")
    client.force_login(w.station_staff)
    home = text(client.get("/"))
    assert 'id="complaints-due"' in home
    client.post(f"/suppliers/complaints/{complaint.pk}/", {"action": "accept"})
    response = client.post(f"/suppliers/complaints/{complaint.pk}/", {
        "action": "resolve", "outcome": "属实", "upheld": "on", "severity": "major", "suspend_volunteer": "on"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    w.volunteer.refresh_from_db()
    assert complaint.status == "resolved" and complaint.volunteer_suspended and w.volunteer.status == "suspended"
    assert 'id="volunteer-suspended"' in text(client.get(f"/suppliers/complaints/{complaint.pk}/"))


def test_the_complaint_page_is_404_for_another_branchs_staff(sw, client):
    w = sw
    complaint = complaints.complaint_file(actor=w.elder, subject="volunteer", volunteer=w.volunteer,
                                        category="attitude", text="态度恶劣")
    client.force_login(w.other_branch_admin)
    assert client.get(f"/suppliers/complaints/{complaint.pk}/").status_code == 404
    assert client.post(f"/suppliers/complaints/{complaint.pk}/", {"action": "accept"}).status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).status == "received"
