"""Signing up for a session, attendance, check-in with the session code, and the certificate it issues."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.conftest import make_person
from timebank.lib.errors import DomainError, NotFound
from timebank.training import selectors, services
from timebank.training.models import Certificate, Session, Signup


def test_it_signs_up_and_marks_attendance_which_issues_a_certificate(training_world):
    w = training_world
    services.session_signup(actor=w.volunteer, session=w.session)
    certificate = services.attendance_mark(actor=w.station_staff, session=w.session, person=w.volunteer)
    assert certificate.course == w.haircut and certificate.expires_at > timezone.now() + dt.timedelta(days=360)
    assert selectors.certificate_codes_held(w.volunteer) == {"haircut"}
    # Marking twice issues nothing new.
    assert services.attendance_mark(actor=w.station_staff, session=w.session, person=w.volunteer) == certificate


def test_signing_up_twice_is_refused(training_world):
    w = training_world
    services.session_signup(actor=w.volunteer, session=w.session)
    with pytest.raises(DomainError) as err:
        services.session_signup(actor=w.volunteer, session=w.session)
    assert err.value.code == "already_signed_up"
    assert Session.objects.get(pk=w.session.pk).signed_up_count == 1


def test_a_full_session_refuses_and_changes_nothing(training_world):
    w = training_world
    services.session_signup(actor=w.volunteer, session=w.session)
    services.session_signup(actor=w.volunteer2, session=w.session)
    third = make_person(w.station_a1, "第三人", mobile="13800000031", is_volunteer=True, volunteer_status="approved")
    with pytest.raises(DomainError) as err:
        services.session_signup(actor=third, session=w.session)
    assert err.value.code == "session_full"
    assert Signup.objects.filter(session=w.session).count() == 2


def test_cancelling_frees_the_place_and_the_person_may_sign_up_again(training_world):
    w = training_world
    services.session_signup(actor=w.volunteer, session=w.session)
    services.signup_cancel(actor=w.volunteer, session=w.session)
    assert Session.objects.get(pk=w.session.pk).signed_up_count == 0
    services.session_signup(actor=w.volunteer, session=w.session)
    assert Session.objects.get(pk=w.session.pk).signed_up_count == 1


def test_check_in_needs_the_right_code_while_the_session_runs(training_world, monkeypatch):
    w = training_world
    services.session_signup(actor=w.volunteer, session=w.session)
    with pytest.raises(DomainError) as err:
        services.session_check_in(actor=w.volunteer, session=w.session, code=w.session.check_in_code)
    assert err.value.code == "check_in_not_open"
    during = w.session.starts_at + dt.timedelta(minutes=10)
    monkeypatch.setattr(timezone, "now", lambda: during)
    with pytest.raises(DomainError) as err:
        services.session_check_in(actor=w.volunteer, session=w.session, code="000000x")
    assert err.value.code == "session_code_wrong"
    assert not Certificate.objects.exists()
    certificate = services.session_check_in(actor=w.volunteer, session=w.session, code=w.session.check_in_code)
    assert certificate.person == w.volunteer


def test_another_branchs_staff_and_volunteers_do_not_see_the_session(training_world):
    w = training_world
    with pytest.raises(NotFound):
        selectors.session_get(w.other_branch_admin, w.session.pk)
    with pytest.raises(NotFound):
        services.session_signup(actor=w.other_volunteer, session=w.session)
    services.session_signup(actor=w.volunteer, session=w.session)
    with pytest.raises(NotFound):
        services.attendance_mark(actor=w.other_branch_admin, session=w.session, person=w.volunteer)
    assert not Certificate.objects.exists()


def test_session_capacity_holds_under_concurrent_signups(postgres_only, training_world):
    from timebank.conftest import run_threads

    w = training_world
    people = [make_person(w.station_a1, f"学员{i}", mobile=f"136{i:08d}", birth=dt.date(1960, 1, 1) + dt.timedelta(days=i),
                          is_volunteer=True, volunteer_status="approved") for i in range(20)]
    results = run_threads(20, lambda i: services.session_signup(actor=people[i], session=w.session).pk)
    assert sum(1 for r in results if isinstance(r, int)) == 2
    assert {r.code for r in results if isinstance(r, DomainError)} == {"session_full"}
    assert Session.objects.get(pk=w.session.pk).signed_up_count == 2
