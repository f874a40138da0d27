"""Plumbing every app's pages share: domain errors as 404/403 or form errors, pagination, CSV and XLSX downloads."""
import csv
import functools
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import DomainError, NotFound, PermissionDenied
from .xlsx import spreadsheet_value

PAGE_SIZE = 50


def domain_errors_as_http(view: Callable) -> Callable:
    """A NotFound from a selector or service is a 404 page, a PermissionDenied a 403 page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404() from None
        except PermissionDenied as err:
            raise DjangoPermissionDenied(str(err.message)) from None

    return wrapper


def form_error(form, err: DomainError, fields_by_code: dict[str, str] | None = None) -> None:
    """Show a refused request on the form: next to the field it concerns, else above the form."""
    field = (fields_by_code or {}).get(err.code)
    if field not in form.fields:
        field = None
    form.add_error(field, str(err.message))


def run_and_report(request: HttpRequest, action: Callable[[], object], success) -> None:
    """A POST button's service call: success and refusals become messages; out of reach is a 404.
    `success` is the message, or a function of the action's result that returns it."""
    from django.contrib import messages

    try:
        result = action()
    except NotFound:
        raise Http404() from None
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(request, success(result) if callable(success) else success)


def page_of(request: HttpRequest, items, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string minus `names` (e.g. `page`), to build page and export links."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    value = spreadsheet_value(value)  # nothing a spreadsheet program would run as a formula
    return "" if value is None else str(value)


def csv_download(filename: str, header: Iterable, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A streamed CSV file; the BOM lets spreadsheet programs read the Chinese correctly."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([_cell(h) for h in header])
        chunk = []
        for row in rows:
            chunk.append(writer.writerow([_cell(v) for v in row]))
            if len(chunk) >= 1000:  # a thousand lines per write, not one
                yield "".join(chunk)
                chunk.clear()
        yield "".join(chunk)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_format(request_or_format) -> str | None:
    """'csv' or 'xlsx' when the request asks for a download (`?format=`), else None."""
    value = request_or_format if isinstance(request_or_format, str | None) else request_or_format.GET.get("format")
    return value if value in EXPORT_FORMATS else None


def tables_download(request_or_format, filename_stem: str,
                    tables: Iterable[tuple[str, Iterable, Iterable[Iterable]]]) -> StreamingHttpResponse:
    """Several tables (title, header, rows) as one download: XLSX with a sheet per table, or CSV
    with the tables one after another (a title line, then the header and rows)."""
    tables = list(tables)
    if export_format(request_or_format) == "xlsx":
        return _xlsx_response(filename_stem, tables)

    def rows():
        for i, (title, header, body) in enumerate(tables):
            if i:
                yield []
                yield [str(title)]
            yield [str(h) for h in header]
            yield from body

    return csv_download(f"{filename_stem}.csv", [str(tables[0][0]) if tables else ""], rows())


def table_download(request_or_format, filename_stem: str, header: Iterable, rows: Iterable[Iterable]):
    """One staff table as CSV (UTF-8 with BOM, formula-escaped) or XLSX, both streamed as the rows
    come (`lib.xlsx`), so memory stays flat and 100,000 rows take seconds."""
    if export_format(request_or_format) == "xlsx":
        return _xlsx_response(filename_stem, [(filename_stem, header, rows)])
    return csv_download(f"{filename_stem}.csv", header, rows)


def _xlsx_response(filename_stem: str, tables) -> StreamingHttpResponse:
    from .xlsx import xlsx_stream

    response = StreamingHttpResponse(xlsx_stream(tables), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename_stem}.xlsx"'
    return response
