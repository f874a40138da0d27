import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from timebank.complaints import services as complaints
from timebank.complaints.exceptions import InvalidTransition, ReasonRequired, UploadInvalid
from timebank.complaints.models import Complaint
from timebank.lib.errors import NotFound


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def file_one(w, **kw):
    return complaints.complaint_file(actor=kw.pop("actor", w.proxy), complainant=w.elder, subject="supplier",
                                   supplier=w.supplier, category="attitude", text="态度差", **kw)


def test_a_complaint_runs_from_received_to_resolved_and_moves_the_score(sw, clock):
    w = sw
    complaint = file_one(w, photos=[png()], severity="major")
    assert complaint.status == "received" and complaint.owner_node == w.station_a1
    assert complaint.photos.get().content_type == "image/png"
    complaints.complaint_accept(actor=w.station_staff, complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.due_at == clock.now + dt.timedelta(days=7)
    complaints.complaint_investigate(actor=w.station_staff, complaint=complaint)
    complaints.complaint_resolve(actor=w.station_staff, complaint=complaint, outcome="已约谈", upheld=True)
    complaint.refresh_from_db()
    assert complaint.status == "resolved" and complaint.upheld
    from timebank.suppliers.selectors import current_score

    assert current_score(w.supplier) == 90
    assert list(complaint.steps.values_list("action", flat=True)) == ["filed", "accepted", "investigating", "resolved"]


def test_a_rejection_needs_a_reason_and_closes_the_complaint(sw):
    w = sw
    complaint = file_one(w)
    with pytest.raises(ReasonRequired):
        complaints.complaint_reject(actor=w.station_staff, complaint=complaint, reason=" ")
    complaints.complaint_reject(actor=w.station_staff, complaint=complaint, reason="不属实")
    with pytest.raises(InvalidTransition):
        complaints.complaint_accept(actor=w.station_staff, complaint=complaint)


def test_an_overdue_complaint_escalates_up_the_tree_once_per_deadline(sw, clock):
    w = sw
    complaint = file_one(w)
    assert complaint.due_at > clock.now
    assert complaints.complaints_escalate() == 0
    clock.now = complaint.due_at + dt.timedelta(minutes=1)
    assert complaints.complaints_escalate() == 1
    assert complaints.complaints_escalate() == 0
    complaint.refresh_from_db()
    assert complaint.owner_node == w.branch_a and complaint.escalations == 1
    clock.now = complaint.due_at + dt.timedelta(minutes=1)
    complaints.complaints_escalate()
    complaint.refresh_from_db()
    assert complaint.owner_node == w.bank
    clock.now = complaint.due_at + dt.timedelta(minutes=1)
    complaints.complaints_escalate()
    complaint.refresh_from_db()
    assert complaint.owner_node == w.bank and complaint.escalations == 3


def test_acknowledgement_is_due_in_one_working_day(sw, clock):
    w = sw
    friday = timezone.make_aware(dt.datetime(2026, 11, 27, 15, 0))
    clock.now = friday
    complaint = file_one(w)
    assert timezone.localtime(complaint.due_at).date() == dt.date(2026, 11, 30)  # the Monday


def test_garbage_uploads_are_refused_and_nothing_is_filed(sw):
    w = sw
    garbage = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(UploadInvalid):
        file_one(w, photos=[garbage])
    big = SimpleUploadedFile("big.png", b"0" * (5 * 1024 * 1024 + 1), content_type="image/png")
    with pytest.raises(UploadInvalid):
        file_one(w, photos=[big])
    assert Complaint.objects.count() == 0


def test_a_complaint_about_a_supplier_nobody_here_can_see_is_not_found(sw):
    w = sw
    with pytest.raises(NotFound):
        complaints.complaint_file(actor=w.proxy, complainant=w.elder, subject="supplier", supplier=w.other_supplier,
                                category="quality", text="x")
    complaint = file_one(w)
    with pytest.raises(NotFound):
        complaints.complaint_accept(actor=w.other_station_staff, complaint=complaint)
