"""A disk that fills while a photo is written: the half-written file is removed and the person gets a
plain 'nothing was saved' instead of a server error; other file errors are not disguised as a full disk."""
import errno
import os

import pytest
from django.core.files.base import ContentFile, File

from timebank.lib.storage import StorageFull, UploadStorage


class FillingDisk(File):
    """Its first chunk is written; the second meets a full disk (or another error)."""

    def __init__(self, error: int):
        super().__init__(None, name="photo.jpg")
        self.error = error
        self.size = 2

    def chunks(self, chunk_size=None):
        yield b"\xff\xd8"
        raise OSError(self.error, "No space left on device")

    def close(self):
        pass


def test_a_full_disk_leaves_no_half_written_file_and_is_said_plainly(tmp_path):
    storage = UploadStorage(location=tmp_path)
    with pytest.raises(StorageFull) as refused:
        storage.save("complaints/2026/12/photo.jpg", FillingDisk(errno.ENOSPC))
    assert refused.value.status == 503 and refused.value.code == "storage_full"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert storage.save("complaints/2026/12/photo.jpg", ContentFile(b"jpeg")) == "complaints/2026/12/photo.jpg"


def test_another_file_error_is_not_called_a_full_disk(tmp_path):
    storage = UploadStorage(location=tmp_path)
    with pytest.raises(OSError) as failed:
        storage.save("photo.jpg", FillingDisk(errno.EIO))
    assert not isinstance(failed.value, StorageFull)


def test_a_full_disk_removes_only_its_own_file_when_another_upload_of_the_same_name_races_it(tmp_path,
                                                                                               monkeypatch):
    storage = UploadStorage(location=tmp_path)
    other = tmp_path / "complaints" / "image.jpg"
    real_open = os.open
    raced = []

    def another_upload_wins(path, flags, *args, **kwargs):
        # The other upload creates image.jpg the moment before this one opens that name exclusively.
        if str(path) == str(other) and flags & os.O_EXCL and not raced:
            raced.append(path)
            other.write_bytes(b"the other family's photo")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", another_upload_wins)
    (tmp_path / "complaints").mkdir()
    with pytest.raises(StorageFull):
        storage.save("complaints/image.jpg", FillingDisk(errno.ENOSPC))
    left = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert left == ([other] if raced else [])  # nothing of this upload; the other's photo untouched
    if raced:
        assert other.read_bytes() == b"the other family's photo"
    # Saved whole, while the other upload takes the name first: both photos kept under their own names.
    other.unlink(missing_ok=True)
    raced.clear()
    saved = storage.save("complaints/image.jpg", ContentFile(b"jpeg"))
    assert raced and saved != "complaints/image.jpg" and storage.open(saved).read() == b"jpeg"
    assert other.read_bytes() == b"the other family's photo"
    assert sorted(p.name for p in other.parent.iterdir()) == sorted(["image.jpg", os.path.basename(saved)])


def test_a_full_disk_met_while_claiming_the_name_leaves_nothing_behind(tmp_path, monkeypatch):
    storage = UploadStorage(location=tmp_path)
    real_open = os.open

    def no_room_for_the_name(path, flags, *args, **kwargs):
        if str(path).endswith("photo.jpg") and flags & os.O_EXCL:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_room_for_the_name)
    with pytest.raises(StorageFull):
        storage.save("complaints/photo.jpg", ContentFile(b"jpeg"))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
