"""A supplier's own admin: the street office makes one of its staff the company's admin, who then
registers the company's new staff and removes those who leave — at the company's own stations, never
another company's staff, never an admin (that stays the office's call), and not while suspended."""
import datetime as dt

import pytest

from timebank.conftest import make_person, new_id_number
from timebank.orgs.models import RoleGrant
from timebank.orgs.roles import Role
from timebank.people.models import Person
from timebank.suppliers import services
from timebank.suppliers.models import SupplierMember

pytestmark = pytest.mark.django_db


def staff_body(w, mobile="13700000301", station=None):
    return {"name": "吴新员", "mobile": mobile, "password": "Haircut-2026!", "consent": True,
            "station_id": (station or w.station_a1).pk, "id_number": new_id_number(dt.date(1991, 3, 2), "F")}


def make_admin(w, api_client):
    api = api_client.__class__().login_as(w.branch_admin)
    answer = api.put(f"/api/v1/suppliers/{w.supplier.pk}/staff/{w.supplier_staff.pk}/admin", {"is_admin": True},
                     content_type="application/json")
    assert answer.status_code == 200 and answer.json()["is_admin"] is True
    return api_client.__class__().login_as(w.supplier_staff)


def test_the_admin_registers_new_staff_who_sign_in_and_removes_them(sw, api_client):
    w = sw
    plain = api_client.__class__().login_as(w.supplier_staff)
    refused = plain.post(f"/api/v1/suppliers/{w.supplier.pk}/staff", staff_body(w), content_type="application/json")
    assert refused.status_code == 404 and not Person.objects.filter(mobile="13700000301").exists()

    admin = make_admin(w, api_client)
    made = admin.post(f"/api/v1/suppliers/{w.supplier.pk}/staff", staff_body(w), content_type="application/json")
    assert made.status_code == 201, made.content
    person = Person.objects.get(mobile="13700000301")
    assert RoleGrant.objects.filter(person=person, role=Role.SUPPLIER, node=w.supplier.node,
                                    revoked_at__isnull=True).exists()
    newcomer = api_client.__class__().login_as(person, password="Haircut-2026!")
    assert newcomer.get(f"/api/v1/suppliers/{w.supplier.pk}").status_code == 200

    assert admin.delete(f"/api/v1/suppliers/{w.supplier.pk}/staff/{person.pk}").status_code == 204
    assert newcomer.get(f"/api/v1/suppliers/{w.supplier.pk}").status_code == 404
    assert not RoleGrant.objects.filter(person=person, role=Role.SUPPLIER, revoked_at__isnull=True).exists()


def test_the_admin_stays_within_the_company_its_area_and_never_removes_an_admin(sw, api_client):
    w = sw
    admin = make_admin(w, api_client)
    # Another company's staff, and a station outside the company's street: neither is theirs.
    assert admin.delete(f"/api/v1/suppliers/{w.other_supplier.pk}/staff/{w.other_supplier_staff.pk}"
                        ).status_code == 404
    far = admin.post(f"/api/v1/suppliers/{w.supplier.pk}/staff", staff_body(w, station=w.station_b1),
                     content_type="application/json")
    assert far.status_code == 422 and far.json()["code"] == "station_unknown"
    assert not Person.objects.filter(mobile="13700000301").exists()
    # Admins are the street office's call: not themselves, not another admin, not the flag.
    second = make_person(w.station_a1, "冯二号", mobile="13700000302")
    services.supplier_member_add(actor=w.branch_admin, supplier=w.supplier, person=second)
    services.supplier_admin_set(actor=w.branch_admin, supplier=w.supplier, person=second, is_admin=True)
    for person in (w.supplier_staff, second):
        answer = admin.delete(f"/api/v1/suppliers/{w.supplier.pk}/staff/{person.pk}")
        assert answer.status_code == 403 and answer.json()["code"] == "supplier_admin_only"
    assert admin.put(f"/api/v1/suppliers/{w.supplier.pk}/staff/{second.pk}/admin", {"is_admin": False},
                     content_type="application/json").status_code == 404
    assert SupplierMember.objects.filter(supplier=w.supplier, revoked_at__isnull=True).count() == 2


def test_a_suspended_suppliers_admin_manages_nobody(sw, api_client):
    w = sw
    admin = make_admin(w, api_client)
    services.supplier_transition(actor=w.bank_admin, supplier=w.supplier, to="suspended", reason="检查")
    answer = admin.post(f"/api/v1/suppliers/{w.supplier.pk}/staff", staff_body(w), content_type="application/json")
    assert answer.status_code == 404 and not Person.objects.filter(mobile="13700000301").exists()


def test_on_the_page_the_office_names_the_admin_who_then_registers_and_removes_staff(sw, client):
    w = sw
    client.force_login(w.supplier_staff)
    assert 'id="supplier-staff"' not in client.get(f"/suppliers/{w.supplier.pk}/").content.decode()
    client.force_login(w.branch_admin)
    client.post(f"/suppliers/{w.supplier.pk}/", {"action": "member_admin", "person": w.supplier_staff.pk,
                                                 "is_admin": "1"})
    assert SupplierMember.objects.get(supplier=w.supplier, person=w.supplier_staff).is_admin

    client.force_login(w.supplier_staff)
    assert "我们的员工" in client.get("/suppliers/inbox/").content.decode()
    page = client.get(f"/suppliers/{w.supplier.pk}/").content.decode()
    assert 'id="supplier-staff"' in page and 'id="staff-new"' in page
    assert 'value="transition"' not in page and 'value="member_admin"' not in page  # the office's forms stay theirs
    body = staff_body(w)
    response = client.post(f"/suppliers/{w.supplier.pk}/", {
        "action": "member_new", "n-name": body["name"], "n-mobile": body["mobile"], "n-id_number": body["id_number"],
        "n-station": w.station_a1.pk, "n-password": body["password"], "n-password_again": body["password"],
        "n-consent": "on"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    person = Person.objects.get(mobile=body["mobile"])
    client.post(f"/suppliers/{w.supplier.pk}/", {"action": "member_remove", "person": person.pk})
    assert not SupplierMember.objects.filter(person=person, revoked_at__isnull=True).exists()
    client.post(f"/suppliers/{w.supplier.pk}/", {"action": "transition", "t-to": "suspended", "t-reason": "x"})
    w.supplier.refresh_from_db()
    assert w.supplier.status == "admitted"
