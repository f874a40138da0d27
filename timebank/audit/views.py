"""The audit log page: who did or saw what, filtered, paginated and exported, within the auditor's reach."""
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.lib.masking import mask_mobile
from timebank.lib.pages import export_format, page_of, query_without, table_download
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from .forms import ACTION_LABELS, OBJECT_TYPES, AuditFilterForm
from .selectors import audit_search


def shown_changes(changes: dict) -> str:
    """The before/after of an event as one line; phone numbers stay masked even here."""
    def shown(key, value):
        if isinstance(value, str) and ("mobile" in key or "phone" in key):
            return mask_mobile(value)
        if isinstance(value, list):
            return [shown(key, v) for v in value]
        return value

    return json.dumps({k: shown(k, v) for k, v in (changes or {}).items()}, ensure_ascii=False)


@login_required
def events(request):
    actor = request.user
    if not has_perm(actor, Perm.AUDIT_VIEW):
        raise Http404()
    form = AuditFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    found = audit_search(actor, action=data.get("action") or "", actor_query=data.get("actor") or "",
                         object_type=data.get("object_type") or "", object_id=data.get("object_id") or "",
                         date_from=data.get("date_from"), date_to=data.get("date_to"))
    if export_format(request):
        header = [_("Time"), _("Who"), _("Action"), _("Object type"), _("Object no."), _("Object"), _("Unit"),
                  _("IP address"), _("Changes")]
        rows = ([timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor.name if e.actor else "",
                 e.action, e.object_type, e.object_id, e.object_repr, e.node.name if e.node else "", e.ip or "",
                 shown_changes(e.changes)] for e in found.iterator(chunk_size=500))
        return table_download(request, "audit", header, rows)
    page = page_of(request, found)
    rows = [{"event": e, "label": ACTION_LABELS.get(e.action, e.action),
             "type_label": OBJECT_TYPES.get(e.object_type, e.object_type), "changes": shown_changes(e.changes)}
            for e in page]
    return render(request, "audit/events.html", {
        "form": form, "page": page, "rows": rows, "query": query_without(request, "page", "format"),
        "actions": ACTION_LABELS, "object_types": OBJECT_TYPES,
    })
