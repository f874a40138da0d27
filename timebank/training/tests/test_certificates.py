"""Certificates gate service types in the volunteer feed and in claims; they expire; volunteers are reminded."""
import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from timebank.demands import selectors as demand_selectors
from timebank.demands import services as demand_services
from timebank.demands.models import Assignment, ServiceType
from timebank.demands.tests.conftest import new_demand
from timebank.lib.errors import DomainError
from timebank.notices.models import Notice
from timebank.orgs.services import bank_rules_set
from timebank.training import selectors, services
from timebank.training.models import Certificate


@pytest.fixture
def haircut_demand(training_world):
    w = training_world
    w.haircut_type = ServiceType.objects.get(bank=w.bank, code="haircut")
    assert w.haircut_type.required_certificate == "haircut"
    return new_demand(w, service_type=w.haircut_type)


def _certify(w, person):
    services.session_signup(actor=person, session=w.session)
    return services.attendance_mark(actor=w.station_staff, session=w.session, person=person)


def test_without_a_certificate_the_type_is_hidden_from_the_feed_and_refuses_claims(training_world, haircut_demand):
    w = training_world
    assert haircut_demand.pk not in [item.demand.id for item in demand_selectors.volunteer_feed(w.volunteer)]
    with pytest.raises(DomainError) as err:
        demand_services.demand_claim(actor=w.volunteer, demand=haircut_demand)
    assert err.value.code == "not_eligible"
    assert not Assignment.objects.filter(demand=haircut_demand).exists()


def test_with_a_valid_certificate_the_type_shows_and_can_be_claimed(training_world, haircut_demand):
    w = training_world
    _certify(w, w.volunteer)
    assert haircut_demand.pk in [item.demand.id for item in demand_selectors.volunteer_feed(w.volunteer)]
    assert demand_services.demand_claim(actor=w.volunteer, demand=haircut_demand).volunteer == w.volunteer


def test_an_expired_certificate_no_longer_counts(training_world, haircut_demand):
    w = training_world
    certificate = _certify(w, w.volunteer)
    past = timezone.now() - dt.timedelta(days=400)
    Certificate.objects.filter(pk=certificate.pk).update(issued_at=past, expires_at=past + dt.timedelta(days=365))
    assert selectors.certificate_codes_held(w.volunteer) == set()
    assert haircut_demand.pk not in [item.demand.id for item in demand_selectors.volunteer_feed(w.volunteer)]
    with pytest.raises(DomainError) as err:
        demand_services.demand_claim(actor=w.volunteer, demand=haircut_demand)
    assert err.value.code == "not_eligible"
    assert not Assignment.objects.filter(demand=haircut_demand).exists()


def test_it_expires_at_the_end_of_the_validity_exactly(training_world):
    w = training_world
    certificate = _certify(w, w.volunteer)
    assert certificate.in_force(certificate.expires_at - dt.timedelta(seconds=1))
    assert not certificate.in_force(certificate.expires_at)
    assert selectors.certificate_codes_held(w.volunteer, at=certificate.expires_at) == set()


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_volunteers_are_reminded_once_before_a_certificate_expires(training_world, django_capture_on_commit_callbacks):
    w = training_world
    certificate = _certify(w, w.volunteer)
    assert services.certificates_remind() == 0  # a year away, the bank reminds 30 days ahead
    Certificate.objects.filter(pk=certificate.pk).update(expires_at=timezone.now() + dt.timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certificates_remind() == 1
    assert services.certificates_remind() == 0
    notice = Notice.objects.get(person=w.volunteer)
    assert notice.kind == "cert_expiring" and certificate.number in notice.text


def test_the_bank_can_require_an_orientation_course_before_a_first_claim(training_world):
    w = training_world
    orientation = services.course_create(actor=w.bank_admin, node=w.bank, code="orientation", name="志愿精神")
    bank_rules_set(actor=w.bank_admin, bank=w.bank, orientation_course_code="orientation")
    demand = new_demand(w)
    with pytest.raises(DomainError) as err:
        demand_services.demand_claim(actor=w.volunteer, demand=demand)
    assert err.value.code == "orientation_required"
    start = timezone.now() + dt.timedelta(days=2)
    session = services.session_create(actor=w.bank_admin, course=orientation, node=w.station_a1, starts_at=start,
                                      ends_at=start + dt.timedelta(hours=1), place="礼堂", capacity=50)
    services.session_signup(actor=w.volunteer, session=session)
    services.attendance_mark(actor=w.station_staff, session=session, person=w.volunteer)
    assert demand_services.demand_claim(actor=w.volunteer, demand=demand)
