"""Where uploaded files go: the file system, but a full disk neither leaves a half-written file behind
nor becomes a server error; the person is told plainly that nothing was saved."""
import errno
import os

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext_lazy as _

from .errors import DomainError

DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StorageFull(DomainError):
    code = "storage_full"
    message = _("The server has no room for files just now. Nothing was saved; please try again later, "
                "or call your station.")
    status = 503


class UploadStorage(FileSystemStorage):
    """FileSystemStorage that removes its own half-written file when the disk fills, and says so with
    StorageFull. The name is settled first, so the file that failed is the one removed."""

    def _save(self, name: str, content) -> str:
        name = self.get_available_name(name)
        try:
            return super()._save(name, content)
        except OSError as exc:
            if exc.errno not in DISK_FULL:
                raise
            try:
                os.remove(self.path(name))
            except FileNotFoundError:
                pass
            raise StorageFull(detail={"file": os.path.basename(name)}) from exc


def stored_files_removed(storage, names) -> None:
    """Files saved earlier in a write that then failed: they would be orphans, so they go."""
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            pass
