import datetime as dt

import pytest
from django.utils import timezone

from timebank.audit.models import AuditEvent
from timebank.suppliers import services
from timebank.suppliers.exceptions import CreditCodeInvalid, InvalidTransition, LicenceExpired, ReasonRequired
from timebank.suppliers.models import Supplier, SupplierStatus

from .conftest import in_a_year, new_code, new_supplier


def test_it_walks_a_supplier_from_application_to_removal_with_history(sw):
    w = sw
    s = new_supplier(w, "助洁公司", admit=False)
    assert s.status == SupplierStatus.APPLIED
    services.supplier_transition(actor=w.bank_admin, supplier=s, to="reviewing")
    services.supplier_admit(actor=w.bank_admin, supplier=s, trial=True)
    s.refresh_from_db()
    assert s.status == "trial" and s.trial_until == timezone.localdate() + dt.timedelta(days=90)
    services.supplier_admit(actor=w.bank_admin, supplier=s)
    with pytest.raises(ReasonRequired):
        services.supplier_transition(actor=w.bank_admin, supplier=s, to="suspended")
    services.supplier_transition(actor=w.bank_admin, supplier=s, to="suspended", reason="整改")
    services.supplier_transition(actor=w.bank_admin, supplier=s, to="admitted")
    services.supplier_transition(actor=w.bank_admin, supplier=s, to="removed", reason="多次投诉")
    with pytest.raises(InvalidTransition):
        services.supplier_admit(actor=w.bank_admin, supplier=s)
    steps = list(s.status_changes.values_list("from_status", "to_status"))
    assert steps == [("", "applied"), ("applied", "reviewing"), ("reviewing", "trial"), ("trial", "admitted"),
                     ("admitted", "suspended"), ("suspended", "admitted"), ("admitted", "removed")]
    assert AuditEvent.objects.filter(object_type="suppliers.supplier", object_id=str(s.pk),
                                     action="supplier.removed").exists()


def test_it_refuses_a_wrong_credit_code_and_creates_nothing(sw):
    w = sw
    before = Supplier.objects.count()
    with pytest.raises(CreditCodeInvalid) as err:
        services.supplier_register(actor=w.bank_admin, node=w.branch_a, name="假公司", credit_code="91350100M000100Y44",
                                   contact_name="某", contact_phone="13700000000")
    assert err.value.detail["reason"] == "credit_code_checksum"
    assert Supplier.objects.count() == before


def test_it_refuses_an_expired_licence_at_registration(sw):
    w = sw
    with pytest.raises(LicenceExpired):
        services.supplier_register(actor=w.bank_admin, node=w.branch_a, name="过期公司", credit_code=new_code(),
                                   contact_name="某", contact_phone="13700000000",
                                   licences=[("营业执照", "X1", timezone.localdate() - dt.timedelta(days=1))])
    assert not Supplier.objects.filter(name="过期公司").exists()


def test_an_expired_licence_suspends_the_supplier_once_and_warns_ahead(sw, clock):
    w = sw
    licence = w.supplier.licences.get()
    licence.expires_on = timezone.localdate() + dt.timedelta(days=10)
    licence.save()
    assert services.licences_check() == {"suspended": 0, "warned": 1}
    assert services.licences_check() == {"suspended": 0, "warned": 0}
    clock.advance(days=12)
    assert services.licences_check() == {"suspended": 1, "warned": 0}
    assert services.licences_check() == {"suspended": 0, "warned": 0}
    w.supplier.refresh_from_db()
    assert w.supplier.status == "suspended"
    assert w.supplier.status_changes.filter(to_status="suspended").count() == 1
    with pytest.raises(LicenceExpired):
        services.supplier_admit(actor=w.bank_admin, supplier=w.supplier)
    services.licence_add(actor=w.bank_admin, supplier=w.supplier, kind="营业执照", number="L2", expires_on=in_a_year())
    w.supplier.licences.filter(number__startswith="L-").update(expires_on=in_a_year())
    services.supplier_admit(actor=w.bank_admin, supplier=w.supplier)


def test_a_branch_admin_cannot_register_in_another_branch(sw):
    from timebank.lib.errors import NotFound

    w = sw
    with pytest.raises(NotFound):
        services.supplier_register(actor=w.other_branch_admin, node=w.branch_a, name="越权", credit_code=new_code(),
                                   contact_name="某", contact_phone="13700000000")
