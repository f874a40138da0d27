"""A training session's attendance sheet to sign, on paper: the trainer prints it, a volunteer cannot."""
import pytest

from timebank.tests.printed import pdf_text
from timebank.training import services as training

pytestmark = pytest.mark.django_db


def test_the_trainer_prints_the_attendance_sheet(training_world, client):
    w = training_world
    training.session_signup(actor=w.volunteer, session=w.session)
    client.force_login(w.branch_admin)
    response = client.get(f"/training/sessions/{w.session.pk}/attendance.pdf")
    text = pdf_text(response.content)
    assert response.status_code == 200 and "理发技能" in text and w.volunteer.name in text and "政立路社区活动室" in text
    client.force_login(w.volunteer)
    assert client.get(f"/training/sessions/{w.session.pk}/attendance.pdf").status_code == 404
