"""Where uploaded files go: the file system, but a full disk neither leaves a half-written file behind
nor becomes a server error; the person is told plainly that nothing was saved."""
import errno
import os
import secrets

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
    StorageFull. The bytes go to a file of a random name of this upload's own first; only once they are
    all written is the real name claimed (created exclusively) and the file moved onto it. So a failure
    removes nothing but this upload's file, even when another upload of the same name (every iPhone
    calls its photo image.jpg) is saved at the same moment."""

    def _save(self, name: str, content) -> str:
        partial = os.path.join(os.path.dirname(name), f".upload-{secrets.token_hex(12)}.part")
        try:
            partial = super()._save(partial, content)
            while True:
                final = self.get_available_name(name)
                try:
                    os.close(os.open(self.path(final), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                except FileExistsError:
                    continue  # another upload took that name in between: the next free one
                break
            os.replace(self.path(partial), self.path(final))
        except OSError as exc:
            # Only this upload's own file goes (claiming the name can meet the full disk too).
            try:
                os.remove(self.path(partial))
            except FileNotFoundError:
                pass
            if exc.errno not in DISK_FULL:
                raise
            raise StorageFull(detail={"file": os.path.basename(name)}) from exc
        return final


def stored_files_removed(storage, names) -> None:
    """Files saved earlier in a write that then failed: they would be orphans, so they go."""
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            pass
