"""Small queryset helpers shared by the selectors."""
from django.db.models import QuerySet


def filter_given(queryset: QuerySet, **lookups) -> QuerySet:
    """The list filters a page or the API was given: each lookup applies only when its value is set
    (an empty field, None or 0 means "any")."""
    return queryset.filter(**{lookup: value for lookup, value in lookups.items() if value})
