"""Reads of roster imports, scoped to the nodes where the actor may register people."""
from django.db.models import QuerySet

from timebank.lib.errors import NotFound
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_visible_to, scope_q

from .models import ImportJob, ImportRow

PERM = Perm.PEOPLE_EDIT


def may_import(actor) -> bool:
    return has_perm(actor, PERM)


def import_nodes(actor) -> QuerySet:
    """Where the actor may import a roster: open banks, branches and stations in their reach."""
    return (nodes_visible_to(actor, PERM).filter(is_closed=False, kind__in=[NodeKind.BANK, NodeKind.BRANCH,
                                                                            NodeKind.STATION]).order_by("path"))


def jobs_visible_to(actor) -> QuerySet[ImportJob]:
    return (ImportJob.objects.filter(scope_q(actor, PERM, "node__path"))
            .select_related("node", "actor", "committed_by"))


def job_get(actor, job_id) -> ImportJob:
    try:
        return jobs_visible_to(actor).get(pk=int(job_id))
    except (ImportJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def job_rows(job: ImportJob, outcome: str = "") -> QuerySet[ImportRow]:
    rows = job.rows.select_related("station").order_by("number")
    return rows.filter(outcome=outcome) if outcome else rows
