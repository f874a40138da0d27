"""A person's photo for the volunteer card: staff upload a JPEG or PNG (checked and re-encoded with
Pillow); garbage is refused and nothing saved; the card prints the photo, or an empty box without one."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from timebank.audit.models import AuditEvent
from timebank.people import services
from timebank.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def picture(kind="JPEG", size=(120, 160), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def stored_files(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file())


def test_staff_upload_a_photo_and_the_card_prints_it(world, client, media):
    w = world
    w.volunteer.tag_id = "V0000000001"
    w.volunteer.save(update_fields=["tag_id"])
    client.force_login(w.station_staff)
    without = client.get(f"/people/{w.volunteer.pk}/card.pdf").content
    upload = SimpleUploadedFile("me.jpg", picture(), content_type="image/jpeg")
    assert client.post(f"/people/{w.volunteer.pk}/photo/", {"photo": upload}).status_code == 302
    person = Person.objects.get(pk=w.volunteer.pk)
    assert person.photo and len(stored_files(media)) == 1
    shown = client.get(f"/people/{w.volunteer.pk}/photo/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(shown.streaming_content))) as image:
        assert image.size == (120, 160)
    assert b"/Subtype /Image" not in without
    assert b"/Subtype /Image" in client.get(f"/people/{w.volunteer.pk}/card.pdf").content
    assert AuditEvent.objects.filter(action="person.photo_set", object_id=str(person.pk)).exists()


def test_a_new_photo_replaces_the_old_file_once_committed(world, media, django_capture_on_commit_callbacks):
    w = world
    services.person_photo_set(actor=w.station_staff, person=w.volunteer,
                              upload=SimpleUploadedFile("a.png", picture("PNG"), content_type="image/png"))
    with django_capture_on_commit_callbacks(execute=True):
        services.person_photo_set(actor=w.station_staff, person=w.volunteer,
                                  upload=SimpleUploadedFile("b.jpg", picture(), content_type="image/jpeg"))
    person = Person.objects.get(pk=w.volunteer.pk)
    assert stored_files(media) == [person.photo.name.rsplit("/", 1)[-1]] and person.photo.name.endswith(".jpg")


@pytest.mark.parametrize("name, data", [
    ("garbage.jpg", b"this is no picture at all"),
    ("empty.png", b""),
    ("anim.gif", None),
    ("huge.jpg", b"\xff" * (2 * 1024 * 1024 + 1)),
])
def test_garbage_is_refused_with_a_translated_error_and_nothing_is_saved(world, client, media, name, data):
    w = world
    if data is None:
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "GIF")
        data = out.getvalue()
    client.force_login(w.station_staff)
    response = client.post(f"/people/{w.volunteer.pk}/photo/", {"photo": SimpleUploadedFile(name, data)},
                           HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert "照片须为 JPEG 或 PNG" in response.content.decode()
    assert not Person.objects.get(pk=w.volunteer.pk).photo and stored_files(media) == []
    assert not AuditEvent.objects.filter(action="person.photo_set").exists()


def test_the_api_puts_the_picture_and_refuses_garbage(world, api_client, media):
    w = world
    api = api_client.login_as(w.branch_admin)
    url = f"/api/v1/people/{w.volunteer.pk}/photo"
    bad = api.put(url, b"GIF89a nonsense", content_type="image/jpeg")
    assert bad.status_code == 422 and bad.json()["code"] == "photo_invalid"
    wrong_type = api.put(url, picture(), content_type="application/json")
    assert wrong_type.status_code == 422 and stored_files(media) == []
    good = api.put(url, picture("PNG"), content_type="image/png")
    assert good.status_code == 200 and good.json() == {"person_id": w.volunteer.pk, "has_photo": True}


def test_another_branch_and_read_only_roles_cannot_set_a_photo(world, api_client, client, media):
    w = world
    for actor in (w.other_branch_admin, w.auditor, w.proxy):
        api = api_client.__class__().login_as(actor)
        assert api.put(f"/api/v1/people/{w.volunteer.pk}/photo", picture(), content_type="image/jpeg").status_code \
            == 404
        client.force_login(actor)
        upload = SimpleUploadedFile("me.jpg", picture(), content_type="image/jpeg")
        assert client.post(f"/people/{w.volunteer.pk}/photo/", {"photo": upload}).status_code == 404
    assert not Person.objects.get(pk=w.volunteer.pk).photo and stored_files(media) == []
