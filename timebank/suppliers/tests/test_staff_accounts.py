"""Supplier company accounts: managers add a registered person found by search, or register a new one
who then signs in; removing a staff member ends their access; a suspended supplier's staff cannot act."""
import datetime as dt

import pytest
from django.urls import reverse

from timebank.conftest import make_person, new_id_number
from timebank.orgs.models import RoleGrant
from timebank.orgs.roles import Role
from timebank.people.models import Person
from timebank.suppliers import services
from timebank.suppliers.exceptions import SupplierNotServing
from timebank.suppliers.models import SupplierMember, SupplierOrder

from .test_api import order_payload

NEW = {"name": "钱新员", "mobile": "13700000201", "password": "Haircut-2026!", "consent": True}


def new_staff_body(w, **kw):
    return {**NEW, "station_id": w.station_a1.pk, "id_number": new_id_number(dt.date(1990, 6, 1), "M"), **kw}


def test_it_registers_a_new_person_as_staff_who_then_signs_in_and_sees_the_supplier(sw, api_client):
    w = sw
    api = api_client.login_as(w.branch_admin)
    answer = api.post(f"/api/v1/suppliers/{w.supplier.pk}/staff", new_staff_body(w), content_type="application/json")
    assert answer.status_code == 201, answer.content
    person = Person.objects.get(mobile="13700000201")
    assert answer.json()["person_id"] == person.pk and person.bank_id == w.supplier.bank_id
    assert SupplierMember.objects.filter(supplier=w.supplier, person=person, revoked_at__isnull=True).exists()
    assert RoleGrant.objects.filter(person=person, role=Role.SUPPLIER, node=w.supplier.node,
                                    revoked_at__isnull=True).exists()
    assert "Haircut-2026!" not in answer.content.decode()
    signed_in = api_client.__class__().login_as(person, password="Haircut-2026!")  # the token call signs in
    assert signed_in.get(f"/api/v1/suppliers/{w.supplier.pk}").status_code == 200


@pytest.mark.parametrize("change, code", [
    ({"mobile": "1234"}, "mobile_invalid"),
    ({"mobile": ""}, "mobile_invalid"),
    ({"id_number": "110101199003070000"}, "id_number_invalid"),
    ({"password": "123"}, "password_weak"),
    ({"consent": False}, "consent_required"),
    ({"name": ""}, "name_invalid"),
])
def test_bad_input_is_refused_with_its_code_and_nothing_is_created(sw, api_client, change, code):
    w = sw
    people, members = Person.objects.count(), SupplierMember.objects.count()
    answer = api_client.login_as(w.branch_admin).post(f"/api/v1/suppliers/{w.supplier.pk}/staff",
                                                      new_staff_body(w, **change), content_type="application/json")
    assert answer.status_code in (400, 409, 422) and answer.json()["code"] == code, answer.content
    assert (Person.objects.count(), SupplierMember.objects.count()) == (people, members)


def test_a_taken_mobile_and_another_banks_station_are_refused(sw, api_client):
    w = sw
    api = api_client.login_as(w.branch_admin)
    taken = api.post(f"/api/v1/suppliers/{w.supplier.pk}/staff", new_staff_body(w, mobile=w.volunteer.mobile),
                     content_type="application/json")
    assert taken.json()["code"] == "mobile_taken"
    other_branch = api.post(f"/api/v1/suppliers/{w.supplier.pk}/staff", new_staff_body(w, station_id=w.station_b1.pk),
                            content_type="application/json")
    assert other_branch.json()["code"] == "station_unknown"  # no people.edit there
    assert not Person.objects.filter(mobile="13700000201").exists()


def test_another_branch_and_read_only_roles_cannot_add_or_remove_staff(sw, api_client):
    w = sw
    before = SupplierMember.objects.count()
    for actor in (w.other_branch_admin, w.auditor, w.station_staff, w.supplier_staff):
        api = api_client.__class__().login_as(actor)
        added = api.post(f"/api/v1/suppliers/{w.supplier.pk}/staff", new_staff_body(w),
                         content_type="application/json")
        assert added.status_code == 404, (actor.name, added.content)
        removed = api.delete(f"/api/v1/suppliers/{w.supplier.pk}/staff/{w.supplier_staff.pk}")
        assert removed.status_code == 404
    assert SupplierMember.objects.count() == before and not Person.objects.filter(mobile="13700000201").exists()


def test_an_existing_person_is_added_by_search_on_the_page_never_from_another_branch(sw, client):
    w = sw
    person = make_person(w.station_a2, "孙理发", mobile="13700000301")
    stranger = make_person(w.station_b1, "孙长白", mobile="13700000302")
    client.force_login(w.branch_admin)
    url = reverse("suppliers:detail", args=[w.supplier.pk])
    found = client.get(url, {"staff_q": "sl"}).content.decode()
    assert "孙理发" in found and "孙长白" not in found  # pinyin initials; branch B is out of reach
    assert "孙理发" in client.get(url, {"staff_q": "0301"}).content.decode()
    assert client.post(url, {"action": "member", "m-person": person.pk}).status_code == 302
    assert SupplierMember.objects.filter(supplier=w.supplier, person=person, revoked_at__isnull=True).exists()
    client.post(url, {"action": "member", "m-person": stranger.pk})
    assert not SupplierMember.objects.filter(person=stranger).exists()


def test_the_page_registers_a_new_staff_member_and_shows_a_bad_id_on_the_form(sw, client):
    w = sw
    client.force_login(w.branch_admin)
    url = reverse("suppliers:detail", args=[w.supplier.pk])
    data = {"action": "member_new", "n-station": w.station_a1.pk, "n-name": "周新员", "n-mobile": "13700000401",
            "n-id_number": "310101199001010000", "n-password": "Haircut-2026!", "n-password_again": "Haircut-2026!",
            "n-consent": "on"}
    refused = client.post(url, data)
    assert refused.status_code == 422 and not Person.objects.filter(mobile="13700000401").exists()
    data["n-id_number"] = new_id_number(dt.date(1991, 2, 2), "F")
    assert client.post(url, data).status_code == 302
    person = Person.objects.get(mobile="13700000401")
    assert SupplierMember.objects.filter(supplier=w.supplier, person=person).exists()
    page = client.get(url).content.decode()
    assert "周新员" in page and "Haircut-2026!" not in page


def test_removing_a_staff_member_ends_their_access(sw, api_client):
    w = sw
    order = api_client.login_as(w.station_staff).post("/api/v1/supplier-orders", order_payload(w, payment="cash"),
                                                      content_type="application/json").json()
    admin = api_client.__class__().login_as(w.branch_admin)
    assert admin.delete(f"/api/v1/suppliers/{w.supplier.pk}/staff/{w.supplier_staff.pk}").status_code == 204
    assert admin.delete(f"/api/v1/suppliers/{w.supplier.pk}/staff/{w.supplier_staff.pk}").status_code == 404
    assert not RoleGrant.objects.filter(person=w.supplier_staff, role=Role.SUPPLIER, revoked_at__isnull=True).exists()
    gone = api_client.__class__().login_as(w.supplier_staff)
    assert gone.get(f"/api/v1/suppliers/{w.supplier.pk}").status_code == 404
    assert gone.post(f"/api/v1/supplier-orders/{order['id']}/accept").status_code == 404
    assert SupplierOrder.objects.get(pk=order["id"]).status == "booked"


def test_a_suspended_suppliers_staff_cannot_act_for_it(sw, api_client):
    w = sw
    order = api_client.login_as(w.station_staff).post("/api/v1/supplier-orders", order_payload(w, payment="cash"),
                                                      content_type="application/json").json()
    services.supplier_transition(actor=w.bank_admin, supplier=w.supplier, to="suspended", reason="检查")
    staff = api_client.__class__().login_as(w.supplier_staff)
    answer = staff.post(f"/api/v1/supplier-orders/{order['id']}/accept")
    assert answer.status_code == 409 and answer.json()["code"] == SupplierNotServing.code
    assert SupplierOrder.objects.get(pk=order["id"]).status == "booked"
