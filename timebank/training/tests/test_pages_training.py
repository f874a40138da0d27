"""Training pages: a volunteer signs up, cancels, checks in with the session code and sees the
certificate; the trainer plans courses and sessions and ticks attendance; other branches get 404."""
import datetime as dt

from timebank.conftest import make_person
from timebank.training.models import Certificate, Course, Session, Signup, SignupStatus


def test_a_volunteer_signs_up_gives_the_place_back_and_signs_up_again(training_world, client):
    w = training_world
    client.force_login(w.volunteer)
    page = client.get("/training/").content.decode()
    assert "理发技能" in page and "政立路社区活动室" in page
    assert client.get(f"/training/sessions/{w.session.pk}/").status_code == 200
    client.post(f"/training/sessions/{w.session.pk}/signup/")
    assert Signup.objects.get(session=w.session, person=w.volunteer).status == SignupStatus.SIGNED_UP
    client.post(f"/training/sessions/{w.session.pk}/cancel/")
    assert Signup.objects.get(session=w.session, person=w.volunteer).status == SignupStatus.CANCELLED
    client.post(f"/training/sessions/{w.session.pk}/signup/")
    assert Session.objects.get(pk=w.session.pk).signed_up_count == 1


def test_a_full_session_says_so_and_takes_nobody_more(training_world, client):
    w = training_world
    for i in range(2):
        other = make_person(w.station_a1, f"学员{i}", mobile=f"1380000008{i}", is_volunteer=True,
                            volunteer_status="approved")
        client.force_login(other)
        client.post(f"/training/sessions/{w.session.pk}/signup/")
    client.force_login(w.volunteer)
    page = client.post(f"/training/sessions/{w.session.pk}/signup/", follow=True).content.decode()
    assert "名额已满" in page or "已满" in page
    assert Session.objects.get(pk=w.session.pk).signed_up_count == 2


def test_a_volunteer_checks_in_with_the_code_and_gets_a_certificate(training_world, clock, client):
    w = training_world
    client.force_login(w.volunteer)
    client.post(f"/training/sessions/{w.session.pk}/signup/")
    clock.at(w.session.starts_at + dt.timedelta(minutes=5))
    wrong = client.post(f"/training/sessions/{w.session.pk}/check-in/", {"code": "xxxxxx"}, follow=True)
    assert not Certificate.objects.filter(person=w.volunteer).exists() and wrong.status_code == 200
    client.post(f"/training/sessions/{w.session.pk}/check-in/", {"code": w.session.check_in_code})
    certificate = Certificate.objects.get(person=w.volunteer)
    page = client.get("/training/certificates/").content.decode()
    assert certificate.number in page and "理发技能" in page
    assert certificate.expires_at.strftime("%Y") in page


def test_the_trainer_plans_a_course_and_session_and_ticks_attendance(training_world, client):
    w = training_world
    client.force_login(w.volunteer)
    client.post(f"/training/sessions/{w.session.pk}/signup/")
    client.force_login(w.branch_admin)
    response = client.post("/training/courses/new/", {"node": w.branch_a.pk, "code": "spirit", "name": "志愿精神",
                                                      "kind": "general", "valid_months": 0})
    assert response.status_code == 302
    course = Course.objects.get(code="spirit")
    day = (w.session.starts_at + dt.timedelta(days=2)).date()
    response = client.post("/training/sessions/new/", {"course": course.pk, "node": w.station_a1.pk,
                                                       "day": day.isoformat(), "start": "09:00", "end": "11:00",
                                                       "place": "活动室", "capacity": 20})
    assert response.status_code == 302 and Session.objects.filter(course=course).exists()
    sheet = client.get(f"/training/sessions/{w.session.pk}/attendance/").content.decode()
    assert "李志愿" in sheet
    client.post(f"/training/sessions/{w.session.pk}/attendance/", {"attended": [w.volunteer.pk]})
    assert Certificate.objects.filter(person=w.volunteer, course=w.haircut).exists()


def test_another_branchs_staff_get_404(training_world, client):
    w = training_world
    client.force_login(w.other_branch_admin)
    assert client.get(f"/training/sessions/{w.session.pk}/attendance/").status_code == 404
    assert client.get(f"/training/sessions/{w.session.pk}/").status_code == 404
    assert client.get(f"/training/people/{w.volunteer.pk}/certificates/").status_code == 404
