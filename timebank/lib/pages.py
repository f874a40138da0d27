"""Plumbing every app's pages share: domain errors as 404/403 or form errors, pagination, CSV, XLSX and PDF
downloads, and the public page that checks a printed document."""
import csv
import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

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
        except DomainError as err:  # anything else refused (e.g. a printout that cannot be made): said plainly
            return render(request, "refused.html", {"message": err.message}, status=err.status)

    return wrapper


def signed_in_page(view: Callable) -> Callable:
    """A page for a signed-in person (anyone else is sent to sign in), with domain errors as 404/403 pages."""
    return login_required(domain_errors_as_http(view))


def signed_in_post(view: Callable) -> Callable:
    """A button's POST for a signed-in person: as `signed_in_page`, and any other method is a 405."""
    return login_required(require_POST(domain_errors_as_http(view)))


def form_error(form, err: DomainError, fields_by_code: dict[str, str] | None = None) -> None:
    """Show a refused request on the form: next to the field it concerns, else above the form. A refusal
    that names its fields' errors (`detail["errors"]`, as a model's validation gives them) shows each
    next to its field."""
    by_field = {name: messages for name, messages in err.detail.get("errors", {}).items() if name in form.fields}
    if by_field:
        for name, messages in by_field.items():
            for message in messages:
                form.add_error(name, message)
        return
    field = (fields_by_code or {}).get(err.code)
    if field not in form.fields:
        field = None
    form.add_error(field, str(err.message))


@contextmanager
def refusals_shown_on(form, fields_by_code: dict[str, str] | None = None) -> Iterator[None]:
    """Around a bound form's service call: a refusal goes onto the form (`form_error`) and the code after
    the block shows the form again; a request out of reach is a 404 page."""
    try:
        yield
    except NotFound:
        raise Http404() from None
    except DomainError as err:
        form_error(form, err, fields_by_code)


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


def act_on_object(request: HttpRequest, fetch: Callable, pk: int, action: Callable, success, back: str):
    """A button on an object's page: the object as `fetch(actor, pk)` lets the actor see it, then
    `action(actor, obj)` reported as `run_and_report` does, then back to the page `back` (a URL name taking pk)."""
    actor = request.user
    obj = fetch(actor, pk)
    run_and_report(request, lambda: action(actor, obj), success)
    return redirect(back, pk=obj.pk)


def session_result_page(request: HttpRequest, key: str, template: str, form_url: str):
    """The thank-you page after a public form: what the form left in the session under `key`, else back to
    the form (someone opened the page directly)."""
    result = request.session.get(key)
    if not result:
        return redirect(form_url)
    return render(request, template, {"result": result})


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


def pdf_inline(pdf: bytes, filename: str) -> HttpResponse:
    """A PDF the browser shows; never stored by a cache on the way, as it names a person."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def verification_page(request: HttpRequest, template: str, read_token: Callable[[str], dict], token: str,
                      check: Callable[[dict], dict | None]):
    """The public page (no sign-in) that checks a printed document's signed token against the records.
    `check(claim)` gives the page's context when the records hold what the token names, else None;
    a forged or damaged token, or nothing found, shows "not genuine"."""
    context = {"genuine": False, "matches": False}
    try:
        claim = read_token(token)
    except signing.BadSignature:
        return render(request, template, context)
    found = check(claim)
    if found is not None:
        context.update({"genuine": True, **found})
    return render(request, template, context)


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
