"""The site's public address, printed in QR codes on paper: never 127.0.0.1 on a sheet that leaves
the building. In production (DEBUG off: settings.PUBLIC_URL_REQUIRED) a document with a QR code is
refused while it is unset or local."""
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .errors import DomainError

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", ""}


class PublicAddressUnset(DomainError):
    code = "public_address_unset"
    message = _("This document carries a QR code, but the site's public address is not set yet "
                "(TIMEBANK_PUBLIC_URL). Ask the administrator; nothing was printed.")
    status = 503


def public_url(path: str) -> str:
    base = (getattr(settings, "PUBLIC_BASE_URL", "") or "").strip()
    host = urlsplit(base).hostname if base else None
    if getattr(settings, "PUBLIC_URL_REQUIRED", False) and (host is None or host in LOCAL_HOSTS):
        raise PublicAddressUnset()
    return (base or "http://127.0.0.1:8000").rstrip("/") + path
