"""Roster import endpoints: upload (the dry run), its report, and commit."""
from django.db import transaction
from django.urls import reverse
from ninja import File, Form, Header, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from timebank.audit.idempotency import run_idempotent
from timebank.lib.pagination import Pages

from . import selectors, services
from .exceptions import RosterTooLarge
from .models import ImportJob, ImportStatus, RowOutcome
from .roster import MAX_BYTES
from .schemas import ImportJobDetailOut, ImportJobOut, ImportRowOut

router = Router(tags=["imports"])
REJECTED_SHOWN = 100


def _job_out(job: ImportJob) -> dict:
    return {
        "id": job.pk, "status": job.status, "kind": job.kind, "file_name": job.file_name,
        "file_format": job.file_format, "encoding": job.encoding, "node_id": job.node_id, "bank_id": job.bank_id,
        "counts": {"rows": job.total_rows, "create": job.create_count, "skip": job.skip_count,
                   "reject": job.reject_count, "created": job.created_count},
        "progress": {"done": job.progress_done, "total": job.progress_total, "percent": job.progress_percent},
        "error": {"code": job.error_code, "message": job.error_message} if job.error_code else None,
        "created_at": job.created_at, "checked_at": job.checked_at, "committed_at": job.committed_at,
        "report_url": reverse("imports:detail", args=[job.pk]),
    }


@router.post("/imports", response={201: ImportJobOut}, summary="Upload a roster (XLSX or CSV): stores its dry run")
def import_create(request, file: File[UploadedFile], kind: Form[str], node_id: Form[int],
                  consent: Form[bool] = False):
    """`kind` is `elders` or `volunteers`; `node_id` a station (rows without a station go there) or a
    branch or bank (rows name their station by name or code); `consent` confirms the people agreed to
    the processing of their data. The answer is the job: its id is the dry-run report's id. Large
    files are checked in the background (`status` `checking`, then `dry_run`)."""
    if file.size > MAX_BYTES:
        raise RosterTooLarge(detail={"max_bytes": MAX_BYTES, "bytes": file.size})
    job = services.import_upload(actor=request.auth, kind=kind, node=node_id, file_name=file.name or "",
                                 data=file.read(), consent=consent)
    return Status(201, _job_out(job))


@router.get("/imports/{job_id}", response=ImportJobDetailOut, summary="An import: status, progress, counts, "
            "rejected rows")
def import_detail(request, job_id: int):
    job = selectors.job_get(request.auth, job_id)
    rejected = selectors.job_rows(job, RowOutcome.REJECT)[:REJECTED_SHOWN]
    return {**_job_out(job), "rejected_total": job.reject_count, "rejected": list(rejected)}


@router.get("/imports/{job_id}/rows", response=list[ImportRowOut], summary="An import's rows with their outcome")
@paginate(Pages)
def import_rows(request, job_id: int, outcome: str = Query("", pattern="^(|create|skip|reject)$")):
    job = selectors.job_get(request.auth, job_id)
    return selectors.job_rows(job, outcome)


@router.post("/imports/{job_id}/commit", response={200: ImportJobOut, 202: ImportJobOut},
             summary="Register every valid row (Idempotency-Key accepted)")
def import_commit(request, job_id: int,
                  idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100)):
    """200 when done here (`committed`), 202 when a large import goes on in the background
    (`committing`; poll `GET /imports/{id}`). A second commit is `import_not_committable` (409)."""
    actor = request.auth
    job = selectors.job_get(actor, job_id)

    def perform():
        done = services.import_commit(actor=actor, job=job)
        return (202 if done.status == ImportStatus.COMMITTING else 200), {"id": done.pk}

    with transaction.atomic():
        status, body = run_idempotent(actor=actor, key=idempotency_key, operation="imports.commit",
                                      payload={"job": job.pk}, perform=perform)
    return Status(status, _job_out(selectors.job_get(actor, body["id"])))
