"""Turning an address into a map point, behind a setting (GEOCODER): no map service at all (the
default: intranets have none, and a demand then uses its station's point), or AMap's (高德) web
geocoding API. A failed or empty lookup is never an error: the caller falls back to the station."""
import json
import logging
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("timebank.geocode")


class NoGeocoder:
    def locate(self, address: str, *, city: str = "") -> tuple[float, float] | None:
        return None


class AmapGeocoder:
    """https://restapi.amap.com/v3/geocode/geo with the key in settings.AMAP_KEY; answers
    "lng,lat" (GCJ-02, which is what Chinese maps and phones use)."""

    def __init__(self, key: str | None = None, endpoint: str | None = None, timeout: float = 3.0):
        self.key = key if key is not None else settings.AMAP_KEY
        self.endpoint = endpoint or getattr(settings, "AMAP_GEOCODE_URL", "https://restapi.amap.com/v3/geocode/geo")
        self.timeout = timeout

    def locate(self, address: str, *, city: str = "") -> tuple[float, float] | None:
        query = urllib.parse.urlencode({"key": self.key, "address": address, "city": city, "output": "JSON"})
        try:
            with urllib.request.urlopen(f"{self.endpoint}?{query}", timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
            if str(answer.get("status")) != "1" or not answer.get("geocodes"):
                return None
            lng, lat = (float(x) for x in answer["geocodes"][0]["location"].split(","))
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            logger.warning("geocoding failed for an address; the station's point is used")
            return None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return None
        return lat, lng


def geocode(address: str, *, city: str = "") -> tuple[float, float] | None:
    """The map point of an address, or None. Found points are remembered for this process (a weekly
    series asks for the same address every week)."""
    address = (address or "").strip()
    if not address:
        return None
    path = getattr(settings, "GEOCODER", "timebank.lib.geocode.NoGeocoder")
    key = (path, address, city)
    if key in _found:
        return _found[key]
    point = import_string(path)().locate(address, city=city)
    if point is not None:
        if len(_found) > 5000:
            _found.clear()
        _found[key] = point
    return point


_found: dict[tuple[str, str, str], tuple[float, float]] = {}
