"""Outcomes of an upheld complaint besides the supplier's score: the volunteer suspended (through
the people service) and a correcting ledger transfer (through the ledger's correction request),
each audited, all or nothing."""
import pytest

from timebank.audit.models import AuditEvent
from timebank.complaints import selectors as complaint_selectors
from timebank.complaints import services as complaints
from timebank.complaints.models import Complaint
from timebank.ledger import services as ledger
from timebank.ledger.models import CorrectionRequest, Transfer, TransferKind
from timebank.lib.errors import InvalidInput, PermissionDenied
from timebank.suppliers import selectors, services

from .conftest import tomorrow_at


def served_coin_order(w):
    order = services.order_book(actor=w.proxy, supplier=w.supplier, service_type=w.haircut, elder=w.elder,
                                starts_at=tomorrow_at(10), payment="coins")
    services.order_accept(actor=w.supplier_staff, order=order)
    services.order_done(actor=w.supplier_staff, order=order)
    return services.order_confirm(actor=w.proxy, order=order, rating=2)


def accepted(complaint, actor):
    return complaints.complaint_accept(actor=actor, complaint=complaint)


def test_an_upheld_complaint_suspends_the_volunteer_through_the_people_service(sw, api_client):
    w = sw
    complaint = complaints.complaint_file(actor=w.elder, subject="volunteer", volunteer=w.volunteer,
                                        category="safety", text="推搡老人")
    accepted(complaint, w.station_staff)
    api_client.login_as(w.station_staff)
    response = api_client.post(f"/api/v1/complaints/{complaint.pk}/resolve",
                               {"outcome": "属实，暂停服务", "upheld": True, "suspend_volunteer": True},
                               content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["volunteer_suspended"] is True
    w.volunteer.refresh_from_db()
    assert w.volunteer.status == "suspended" and not w.volunteer.is_active
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"complaint.volunteer_suspended", "person.updated", "complaint.resolved"} <= actions


def test_suspending_or_correcting_needs_an_upheld_complaint_and_changes_nothing_otherwise(sw):
    w = sw
    complaint = complaints.complaint_file(actor=w.elder, subject="volunteer", volunteer=w.volunteer,
                                        category="safety", text="推搡老人")
    accepted(complaint, w.station_staff)
    with pytest.raises(InvalidInput) as err:
        complaints.complaint_resolve(actor=w.station_staff, complaint=complaint, outcome="不属实", upheld=False,
                                   suspend_volunteer=True)
    assert err.value.code == "outcome_needs_upheld"
    supplier_complaint = complaints.complaint_file(actor=w.proxy, complainant=w.elder, subject="supplier",
                                                 supplier=w.supplier, category="quality", text="剪坏了")
    accepted(supplier_complaint, w.station_staff)
    with pytest.raises(InvalidInput) as err:
        complaints.complaint_resolve(actor=w.station_staff, complaint=supplier_complaint, outcome="属实", upheld=True,
                                   suspend_volunteer=True)
    assert err.value.code == "no_volunteer"
    w.volunteer.refresh_from_db()
    assert w.volunteer.status == "active"
    assert set(Complaint.objects.values_list("status", flat=True)) == {"accepted"}


def test_an_upheld_complaint_corrects_the_orders_coins_through_the_ledger(sw):
    w = sw
    order = served_coin_order(w)
    account = ledger.member_account(w.elder)
    assert account.balance == 540
    complaint = complaints.complaint_file(actor=w.proxy, complainant=w.elder, subject="supplier", order=order,
                                        category="quality", text="只剪了一半")
    accepted(complaint, w.branch_admin)
    [posting] = complaint_selectors.complaint_transfers(complaint)
    assert posting.amount == 60 and posting.debit.owner_id == w.elder.pk

    # Station staff handle complaints but may not correct coins: refused, and nothing is resolved.
    with pytest.raises(PermissionDenied) as err:
        complaints.complaint_resolve(actor=w.station_staff, complaint=complaint, outcome="退一半", upheld=True,
                                   correct_transfer_id=posting.pk, correct_minutes=30)
    assert err.value.code == "correction_not_allowed"
    other = Transfer.objects.exclude(pk=posting.pk).filter(status="posted").first()
    with pytest.raises(InvalidInput) as err:
        complaints.complaint_resolve(actor=w.branch_admin, complaint=complaint, outcome="退一半", upheld=True,
                                   correct_transfer_id=other.pk, correct_minutes=30)
    assert err.value.code == "correction_transfer_invalid"
    complaint.refresh_from_db()
    assert complaint.status == "accepted" and not CorrectionRequest.objects.exists()

    complaints.complaint_resolve(actor=w.branch_admin, complaint=complaint, outcome="退一半", upheld=True,
                               correct_transfer_id=posting.pk, correct_minutes=30)
    complaint.refresh_from_db()
    account.refresh_from_db()
    assert complaint.status == "resolved" and complaint.correction.transfer.kind == TransferKind.CORRECTION
    assert complaint.correction.transfer.corrects_id == posting.pk
    assert account.balance == 570
    assert selectors.current_score(w.supplier) == 100 - 2 - 5  # the 2★ rating, then the minor complaint
    assert AuditEvent.objects.filter(action="complaint.correction_requested").count() == 1


def test_bad_outcome_input_through_the_api_is_4xx_and_other_branches_get_404(sw, api_client):
    w = sw
    order = served_coin_order(w)
    complaint = complaints.complaint_file(actor=w.proxy, complainant=w.elder, subject="supplier", order=order,
                                        category="quality", text="只剪了一半")
    accepted(complaint, w.branch_admin)
    url = f"/api/v1/complaints/{complaint.pk}/resolve"
    admin = api_client.login_as(w.branch_admin)
    for body in ({"outcome": "x", "upheld": True, "correct_transfer_id": "abc"},
                 {"outcome": "x", "upheld": True, "correct_transfer_id": 1, "correct_minutes": -5},
                 {"outcome": "x", "upheld": True, "correct_transfer_id": 99999999},
                 {"outcome": "x", "upheld": False, "suspend_volunteer": True},
                 {"outcome": "", "upheld": True}):
        response = admin.post(url, body, content_type="application/json")
        assert 400 <= response.status_code < 500, (body, response.content)
    other = api_client.__class__().login_as(w.other_branch_admin)
    posting = complaint_selectors.complaint_transfers(complaint).get()
    response = other.post(url, {"outcome": "x", "upheld": True, "correct_transfer_id": posting.pk},
                          content_type="application/json")
    assert response.status_code == 404
    assert other.post(f"/api/v1/supplier-orders/{order.pk}/confirm", {}, content_type="application/json"
                      ).status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == "accepted" and not CorrectionRequest.objects.exists()
