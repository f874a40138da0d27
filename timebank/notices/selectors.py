"""Reads of the inbox: only ever a person's own."""
from django.db.models import QuerySet

from timebank.people.models import Person

from .models import Notice


def notices_of(person: Person, *, unread: bool = False) -> QuerySet[Notice]:
    notices = Notice.objects.filter(person=person)
    return notices.filter(read_at__isnull=True) if unread else notices
