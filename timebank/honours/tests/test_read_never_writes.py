"""A service record certificate is an official statement of hours: the staff who organise services
issue it (demands.manage). Seeing the volunteer (people.view: the auditor, medical staff) is not enough."""
import pytest

from timebank.conftest import make_person
from timebank.honours import services
from timebank.honours.models import RecordCertificate
from timebank.lib.errors import NotFound
from timebank.orgs.roles import Role
from timebank.orgs.services import role_grant


@pytest.fixture
def readers(record_world):
    w = record_world
    w.medical = make_person(w.station_a1, "钱医生", mobile="13900000031")
    role_grant(actor=None, person=w.medical, role=Role.MEDICAL_STAFF, node=w.branch_a)
    return w


def test_the_auditor_and_medical_staff_cannot_issue_a_certificate(readers, client):
    w = readers
    for reader in (w.auditor, w.medical):
        client.force_login(reader)
        page = client.get(f"/honours/people/{w.volunteer.pk}/record/")
        assert page.status_code == 200 and "李志愿" in page.content.decode()  # they do read the record
        assert f"/honours/people/{w.volunteer.pk}/certificate/" not in page.content.decode()
        response = client.post(f"/honours/people/{w.volunteer.pk}/certificate/", {"person_in_charge": "王主任",
                                                                                  "contact": "021-65000000"})
        assert response.status_code == 404
        with pytest.raises(NotFound):
            services.record_certificate_issue(actor=reader, person=w.volunteer, person_in_charge="王主任")
    assert not RecordCertificate.objects.exists()


def test_staff_who_organise_services_still_issue_it_at_their_node(readers):
    w = readers
    certificate = services.record_certificate_issue(actor=w.branch_admin, person=w.volunteer, person_in_charge="王主任")
    assert certificate.issuer == w.branch_a and certificate.total_minutes == 150
