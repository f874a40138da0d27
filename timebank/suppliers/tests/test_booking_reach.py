"""Booking a supplier for an elder reaches the elder through the one access layer
(`timebank.people.access`): a person out of reach is not found, whatever they are, before any
answer that would tell an elder from someone else."""
import pytest

from timebank.conftest import make_person
from timebank.suppliers.models import SupplierOrder

from .conftest import tomorrow_at

pytestmark = pytest.mark.django_db


def book(api, w, elder_id):
    return api.post("/api/v1/supplier-orders", {"supplier_id": w.supplier.pk, "service_type_id": w.haircut.pk,
                                                "elder_id": elder_id, "starts_at": tomorrow_at(10).isoformat(),
                                                "payment": "cash"}, content_type="application/json")


def test_people_out_of_reach_are_not_found_whether_elders_or_not(sw, api_client):
    w = sw
    api = api_client.login_as(w.station_staff)
    not_an_elder = make_person(w.station_b1, "钱长白")  # another branch, not an elder
    missing = book(api, w, 10 ** 9)
    assert missing.status_code == 404
    for person in (w.other_elder, not_an_elder):
        response = book(api, w, person.pk)
        assert response.status_code == 404 and response.json() == missing.json(), person.name
    assert not SupplierOrder.objects.exists()
    mine = book(api, w, w.elder.pk)
    assert mine.status_code == 201, mine.content
