"""Complaint photos: a picture with too many pixels is refused from its header, before it is decoded, with a
translated 4xx; an accepted one is stored re-encoded, without its metadata."""
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from timebank.complaints import services as complaints
from timebank.complaints.exceptions import PhotoTooLarge
from timebank.complaints.models import Complaint


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int, height: int) -> SimpleUploadedFile:
    """A PNG whose header claims width × height grey pixels; its few bytes of data decode to nothing much."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) \
        + _chunk(b"IEND", b"")
    return SimpleUploadedFile("huge.png", data, content_type="image/png")


def file_one(w, photos):
    return complaints.complaint_file(actor=w.proxy, complainant=w.elder, subject="supplier", supplier=w.supplier,
                                   category="attitude", text="态度差", photos=photos)


@pytest.mark.parametrize("width,height", [(20000, 20000), (12000, 12000)])  # 400 MP: Pillow's bomb error; 144 MP
def test_a_photo_with_too_many_pixels_is_refused_before_it_is_decoded(sw, width, height):
    with pytest.raises(PhotoTooLarge) as err:
        file_one(sw, [huge_png(width, height)])
    assert err.value.status == 413 and err.value.code == "photo_too_large"
    assert Complaint.objects.count() == 0


def test_the_complaint_page_answers_a_huge_photo_with_a_translated_error(sw, client):
    w = sw
    client.force_login(w.proxy)
    client.cookies["django_language"] = "en"
    response = client.post("/suppliers/complaints/new/", {"subject": "supplier", "supplier": w.supplier.pk,
                                                          "category": "quality", "text": "剪坏了",
                                                          "photos": huge_png(20000, 20000)})
    assert response.status_code == 422 and Complaint.objects.count() == 0
    assert "too many pixels" in response.content.decode()


def test_an_accepted_photo_is_stored_re_encoded_without_its_metadata(sw):
    picture = Image.new("RGB", (40, 30), "blue")
    exif = Image.Exif()
    exif[0x010F] = "SnoopCam"  # camera maker
    exif[0x0112] = 6  # orientation: turned 90°
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"secret")
    complaint = file_one(sw, [SimpleUploadedFile("IMG_0001.JPG", buffer.getvalue(), content_type="image/jpeg")])
    photo = complaint.photos.get()
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (30, 40)  # turned upright
        assert not image.getexif() and "comment" not in image.info
    assert photo.content_type == "image/jpeg" and photo.size == photo.image.size


def jpeg(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_a_disk_that_fills_at_the_second_photo_leaves_no_complaint_and_no_file(sw, settings, tmp_path, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    from timebank.lib.storage import StorageFull

    writes = []
    real_save = FileSystemStorage._save

    def filling(self, name, content):
        writes.append(name)
        if len(writes) == 2:
            with open(self.path(name), "wb") as partial:  # part of the file got onto the disk
                partial.write(b"\xff\xd8")
            raise OSError(28, "No space left on device")
        return real_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", filling)
    with pytest.raises(StorageFull):
        file_one(sw, [jpeg("a.jpg"), jpeg("b.jpg"), jpeg("c.jpg")])
    assert Complaint.objects.count() == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # the first photo and the half-written one gone
