"""Roster import pages: upload (with the templates to download), the dry-run report with its
progress bar, commit, and the rejected rows as XLSX or CSV. Every write calls a service."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from timebank.lib.errors import DomainError, NotFound
from timebank.lib.pages import form_error, page_of, query_without, signed_in_page, signed_in_post
from timebank.people.models import Gender

from . import selectors, services, spreadsheets
from .forms import ImportUploadForm
from .models import ImportKind, ImportStatus, RowOutcome
from .reasons import reason_text

UPLOAD_FIELDS = {"import_file_unreadable": "file", "import_file_empty": "file", "import_file_too_large": "file",
                 "import_file_xls": "file", "import_columns_unknown": "file", "import_columns_missing": "file",
                 "import_no_rows": "file", "import_kind_invalid": "kind", "not_found": "node",
                 "consent_required": "consent"}
RUNNING = (ImportStatus.CHECKING, ImportStatus.COMMITTING)


def _require_importer(actor) -> None:
    if not selectors.may_import(actor):
        raise Http404()


@login_required
def import_list(request):
    actor = request.user
    _require_importer(actor)
    nodes = list(selectors.import_nodes(actor))
    initial = {"node": nodes[0].pk} if nodes else {}
    form = ImportUploadForm(request.POST or None, request.FILES or None, nodes=nodes, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            job = services.import_upload(actor=actor, kind=data["kind"], node=data["node"], file_name=upload.name,
                                         data=upload.read(), consent=data["consent"])
        except DomainError as err:
            form_error(form, err, UPLOAD_FIELDS)
        else:
            return redirect("imports:detail", pk=job.pk)
    jobs = selectors.jobs_visible_to(actor)[:20]
    return render(request, "imports/list.html", {"form": form, "jobs": jobs, "kinds": ImportKind.choices},
                  status=422 if form.errors else 200)


@login_required
def import_template(request, kind: str, file_format: str):
    _require_importer(request.user)
    if kind not in ImportKind.values:
        raise Http404()
    if file_format == "csv":
        return spreadsheets.template_csv(kind)
    return spreadsheets.template_xlsx(kind)


def _row_view(row) -> dict:
    gender = str(Gender(row.gender).label) if row.gender in Gender.values else row.gender
    return {"row": row, "gender": gender, "reasons": [reason_text(c) for c in row.reasons]}


@signed_in_page
def import_detail(request, pk: int):
    actor = request.user
    job = selectors.job_get(actor, pk)
    outcome = request.GET.get("outcome", "")
    if outcome not in RowOutcome.values:
        outcome = ""
    page = page_of(request, selectors.job_rows(job, outcome))
    page.object_list = [_row_view(r) for r in page.object_list]
    return render(request, "imports/detail.html", {
        "job": job, "page": page, "outcome": outcome, "outcomes": RowOutcome.choices, "running": job.status in RUNNING,
        "committable": job.status in (ImportStatus.DRY_RUN, ImportStatus.FAILED) and job.checked_at is not None
        and job.create_count > 0, "query": query_without(request, "page"),
    })


@signed_in_page
def import_progress(request, pk: int):
    """The progress bar, polled by HTMX; once the job is no longer running the page reloads itself."""
    job = selectors.job_get(request.user, pk)
    response = render(request, "imports/_progress.html", {"job": job, "running": job.status in RUNNING})
    if job.status not in RUNNING and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@signed_in_post
def import_commit(request, pk: int):
    actor = request.user
    job = selectors.job_get(actor, pk)
    try:
        job = services.import_commit(actor=actor, job=job)
    except NotFound:
        raise
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        if job.status == ImportStatus.COMMITTED:
            messages.success(request, _("%(count)d people were registered.") % {"count": job.created_count})
        elif job.status == ImportStatus.FAILED:
            messages.error(request, job.error_message)
    return redirect("imports:detail", pk=pk)


@signed_in_page
def import_rejected(request, pk: int, file_format: str):
    actor = request.user
    job = selectors.job_get(actor, pk)
    rows = services.import_rejected_rows(actor=actor, job=job, file_format=file_format)
    filename = f"rejected-rows-{job.pk}.{file_format}"
    if file_format == "csv":
        return spreadsheets.rejected_csv(rows, filename)
    return spreadsheets.rejected_xlsx(rows, filename)
