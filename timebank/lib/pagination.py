"""One pagination style for every API list: an opaque cursor and a `next` link.

`GET …?limit=50` answers `{"items": [...], "count": n, "next_cursor": "…", "next": "/api/v1/…?cursor=…"}`; the
client follows `next` (or sends `cursor=next_cursor`) until it is null. The cursor is a keyset position: the
values of the list's own ordering fields for the last row sent, with the primary key as the tie-breaker, so
rows added or removed while a client pages never make it skip or repeat one. A list that is not a queryset
with plain field ordering (a few are computed in Python) pages by position inside the same opaque cursor.

A cursor is bound to its list (a digest of the ordering): a cursor from another list, or one edited by hand,
is a 422 `invalid_cursor`, never a server error.
"""
import base64
import datetime as dt
import hashlib
import json
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import FieldError
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import ValidationError
from ninja.pagination import PaginationBase

from . import partitions

MAX_LIMIT = 200
MAX_INT = 2**63 - 1
MAX_OFFSET = 1_000_000


class Pages(PaginationBase):
    class Input(Schema):
        cursor: str | None = Field(None, max_length=1000, pattern=r"^[A-Za-z0-9_-]*$",
                                   description="`next_cursor` of the previous page; absent for the first page")
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Rows per page (at most 200)")

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="Rows in the whole list")
        next_cursor: str | None = Field(description="Send as `cursor` for the next page; null on the last page")
        next: str | None = Field(description="The next page's path and query; null on the last page")

    items_attribute = "items"

    def __init__(self, page_size: int = 50, **kwargs):
        self.page_size = page_size
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset, pagination: Input, request, **params) -> Any:
        limit = pagination.limit
        if isinstance(queryset, QuerySet) and (ordering := _keyset_ordering(queryset)):
            items, next_cursor = _keyset_page(queryset, ordering, pagination.cursor, limit)
            count = queryset.count()
        else:
            rows = list(queryset)
            offset = 0
            if pagination.cursor:
                values = _decode(pagination.cursor, _digest(["offset"]))
                if len(values) != 1 or type(values[0]) is not int or not 0 <= values[0] <= MAX_OFFSET:
                    raise _invalid()
                offset = values[0]
            items = rows[offset:offset + limit]
            more = offset + limit < len(rows)
            next_cursor = _encode(_digest(["offset"]), [offset + limit]) if more else None
            count = len(rows)
        return {"items": items, "count": count, "next_cursor": next_cursor, "next": _next_link(request, next_cursor)}


def _invalid() -> ValidationError:
    return ValidationError([{"loc": ["query", "cursor"], "msg": _("This cursor does not belong to this list; "
                                                                 "start again without one."),
                             "type": "invalid_cursor"}])


def _next_link(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"{request.path}?{urlencode(sorted(query.items()))}"


def _keyset_ordering(queryset: QuerySet) -> list[tuple[str, bool]] | None:
    """The list's ordering as (field path, descending) pairs ending with the primary key, or None when an
    ordering term is an expression (such lists page by position)."""
    terms = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    if queryset.query.distinct_fields or queryset.query.combinator:
        return None
    ordering = []
    for term in terms:
        if not isinstance(term, str) or term == "?":
            return None
        name = term.lstrip("-")
        ordering.append(("pk" if name in ("pk", queryset.model._meta.pk.name) else name, term.startswith("-")))
        if ordering[-1][0] == "pk":
            return ordering
    return [*ordering, ("pk", bool(ordering and ordering[-1][1]))]


def _digest(names: list) -> str:
    return hashlib.blake2b(json.dumps(names).encode(), digest_size=4).hexdigest()


def _encode(digest: str, values: list) -> str:
    raw = json.dumps([digest, [_tag(v) for v in values]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, digest: str) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got, values = json.loads(raw)
        if got != digest or not isinstance(values, list):
            raise ValueError
        return [_untag(v) for v in values]
    except (ValueError, TypeError, UnicodeDecodeError, InvalidOperation, OverflowError) as exc:
        raise _invalid() from exc


def _tag(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"x": str(value)}
    return {"s": str(value)}


def _untag(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise ValueError
        return value
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), = value.items()
        if isinstance(text, str):
            if tag == "t":
                parsed = dt.datetime.fromisoformat(text)
                if parsed.tzinfo is None:
                    raise ValueError
                return parsed
            if tag == "d":
                return dt.date.fromisoformat(text)
            if tag == "x":
                return Decimal(text)
            if tag == "s":
                return text
    raise ValueError


def _keyset_page(queryset: QuerySet, ordering: list[tuple[str, bool]], cursor: str | None, limit: int):
    digest = _digest([queryset.model._meta.label, ordering])
    ordered = queryset.order_by(*[F(name).desc(nulls_first=True) if desc else F(name).asc(nulls_last=True)
                                  for name, desc in ordering])
    values = None
    if cursor:
        values = _decode(cursor, digest)
        if len(values) != len(ordering):
            raise _invalid()
    try:
        if values is not None:
            ordered = ordered.filter(_after(ordering, values))
        rows = None
        if (floor := _recent_window(queryset, ordering, values)) is not None:
            rows = list(ordered.filter(pk__gte=floor)[:limit + 1])
            if len(rows) <= limit:
                rows = None  # the recent months hold less than a page: the whole list
        if rows is None:
            rows = list(ordered[:limit + 1])
    except (ValueError, TypeError, FieldError, DjangoValidationError, OverflowError) as exc:
        raise _invalid() from exc
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = queryset.order_by().filter(pk=rows[-1].pk).values_list(*[name for name, _desc in ordering])[0]
    return rows, _encode(digest, list(last))


RECENT_MONTHS = 3


def _recent_window(queryset: QuerySet, ordering: list[tuple[str, bool]], values: list | None) -> int | None:
    """For a newest-first list of a table partitioned by month of id (PostgreSQL): the first id of the
    month block RECENT_MONTHS − 1 months below the cursor's (or below this month's). A first try bounded
    by it plans and reads only those partitions instead of all of them (120 after ten years); when it
    finds less than a page the list is read whole, so the page is the same either way."""
    if ordering != [("pk", True)] or queryset.model._meta.db_table not in partitions.TABLES:
        return None
    if connections[queryset.db].vendor != "postgresql":
        return None
    if values:
        if type(values[0]) is not int or values[0] < partitions.LEGACY_UPPER:
            return None
        month = values[0] // partitions.BLOCK
    else:
        month = partitions.month_of(timezone.now())
    return partitions.block_start(partitions.add_months(month, -(RECENT_MONTHS - 1)))


def _after(ordering: list[tuple[str, bool]], values: list) -> Q:
    """Rows strictly after the cursor's row in the order (ascending with nulls last, descending with nulls
    first): the first field that differs decides, equal fields pass the question on to the next one."""
    condition = Q(pk__in=[])
    equal = Q()
    for (name, desc), value in zip(ordering, values, strict=True):
        if value is None:
            beyond = Q(**{f"{name}__isnull": False}) if desc else Q(pk__in=[])
            same = Q(**{f"{name}__isnull": True})
        else:
            beyond = Q(**{f"{name}__lt" if desc else f"{name}__gt": value})
            if not desc:
                beyond |= Q(**{f"{name}__isnull": True})
            same = Q(**{name: value})
        condition |= equal & beyond
        equal &= same
    return condition
