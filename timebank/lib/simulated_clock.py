"""A clock that replays the past, for demo data: inside `simulated_clock(start)` every
`timezone.now()` (and every model field defaulting to it) reads the simulated time, which only
moves forward when told. The services then run exactly as they would have on those days — their
rules (a demand starts in the future, check-in opens half an hour before the start) see the
simulated time, so a year of history can be made through them in minutes."""
import datetime as dt
from contextlib import contextmanager

from django.apps import apps
from django.utils import timezone


class SimulatedClock:
    def __init__(self, start: dt.datetime):
        self.current = start

    def now(self) -> dt.datetime:
        return self.current

    def set(self, when: dt.datetime) -> None:
        """Move to `when`; never backwards (rows are stamped in the order they happen)."""
        if when > self.current:
            self.current = when

    def advance(self, **delta) -> dt.datetime:
        self.current += dt.timedelta(**delta)
        return self.current


@contextmanager
def simulated_clock(start: dt.datetime):
    real_now = timezone.now
    clock = SimulatedClock(start)
    patched = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if getattr(f, "default", None) is real_now:
                patched.append(f)
                f.default = clock.now
                f.__dict__.pop("_get_default", None)  # a cached_property that captured the old default
    timezone.now = clock.now
    try:
        yield clock
    finally:
        timezone.now = real_now
        for f in patched:
            f.default = real_now
            f.__dict__.pop("_get_default", None)
