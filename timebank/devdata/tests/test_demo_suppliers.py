"""The demo supplier login works for a real supplier with orders, an offered request, a complaint
and a meeting; seeding again changes nothing."""
from io import StringIO

import pytest
from django.core.management import call_command

from timebank.audit.models import AuditEvent
from timebank.complaints.models import Complaint
from timebank.demands.models import Demand
from timebank.devdata.district import DEMO_LOGINS, FEATURED_ELDER
from timebank.devdata.suppliers import seed_demo_suppliers
from timebank.suppliers.models import GuaranteeOffer, Supplier, SupplierOrder


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=StringIO())


def test_the_demo_supplier_login_sees_its_own_orders_and_offers_and_a_second_seed_changes_nothing(seeded, client):
    mobile = dict(DEMO_LOGINS)["supplier"]
    supplier = Supplier.objects.get(members__person__mobile=mobile)
    assert supplier.status == "admitted"
    assert set(SupplierOrder.objects.filter(supplier=supplier).values_list("status", flat=True)) == {
        "booked", "accepted"}
    assert GuaranteeOffer.objects.filter(supplier=supplier, status="offered").exists()
    assert Complaint.objects.filter(supplier=supplier).exists()
    assert Supplier.objects.filter(status="applied", created_by__isnull=True).exists()
    # The featured elder's own request list (the browser journeys') holds no demo request.
    assert not Demand.objects.filter(elder__mobile=FEATURED_ELDER[0]).exists()
    client.force_login(supplier.members.get().person)
    inbox = client.get("/suppliers/inbox/").content.decode()
    for order in SupplierOrder.objects.filter(supplier=supplier):
        assert f"#{order.pk}" in inbox or f"/suppliers/orders/{order.pk}/" in inbox
    assert client.get(f"/suppliers/{supplier.pk}/score/").status_code == 200
    assert f"/suppliers/{supplier.pk}/#supplier-staff" in inbox  # the company's own admin manages its staff
    assert 'id="staff-new"' in client.get(f"/suppliers/{supplier.pk}/").content.decode()
    other = Supplier.objects.exclude(pk=supplier.pk).first()
    assert client.get(f"/suppliers/{other.pk}/").status_code == 404

    counts = (Supplier.objects.count(), SupplierOrder.objects.count(), AuditEvent.objects.count())
    assert seed_demo_suppliers() is False
    call_command("seed_demo", stdout=StringIO())
    assert (Supplier.objects.count(), SupplierOrder.objects.count(), AuditEvent.objects.count()) == counts
