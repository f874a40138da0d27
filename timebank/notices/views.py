"""The inbox page (a person's own notices; opening a page marks them read) and the station's call
list (staff phone the people who cannot get their notices by themselves), on screen and on paper."""
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.audit.services import audit_record
from timebank.lib.errors import DomainError
from timebank.lib.pages import page_of, run_and_report, signed_in_post
from timebank.lib.push import push_enabled
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from . import selectors, services
from .call_list_pdf import call_list_pdf
from .models import CallOutcome


@login_required
def inbox(request):
    page = page_of(request, selectors.notices_of(request.user), 30)
    response = render(request, "notices/inbox.html", {"page": page, "push_key": settings.VAPID_PUBLIC_KEY
                                                      if push_enabled() else ""})
    services.notices_mark_read(actor=request.user, notice_ids=[n.pk for n in page])
    return response


def _call_rows(actor, notices) -> list[dict]:
    """Each notice with whom to ring; showing the numbers in full is recorded in the audit log."""
    notices = list(notices)
    people = list({n.person_id: n.person for n in notices}.values())
    phones = selectors.phones_for(people)
    if people:
        audit_record(actor=actor, action="notice.call_list_viewed", bank=actor.bank,
                     changes={"people": sorted(p.pk for p in people)})
    return [{"notice": n, "phones": phones[n.person_id], "tries": [c for c in n.calls.all()]} for n in notices]


@login_required
def call_list(request):
    if not has_perm(request.user, Perm.NOTICES_CALL):
        raise Http404
    page = page_of(request, selectors.notices_to_call(request.user), 40)
    return render(request, "notices/call_list.html", {"page": page, "rows": _call_rows(request.user, page),
                                                      "outcomes": CallOutcome.choices})


@login_required
def call_list_pdf_view(request):
    if not has_perm(request.user, Perm.NOTICES_CALL):
        raise Http404
    rows = _call_rows(request.user, selectors.notices_to_call(request.user)[:200])
    response = HttpResponse(call_list_pdf(rows, made_by=request.user, now=timezone.now()),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="call-list-{timezone.localdate():%Y%m%d}.pdf"'
    return response


@signed_in_post
def call_record(request, notice_id: int):
    notice = selectors.notice_to_call_get(request.user, notice_id)  # 404 outside the caller's list
    run_and_report(request, lambda: services.notice_call_record(
        actor=request.user, notice=notice, outcome=request.POST.get("outcome", ""), note=request.POST.get("note", "")),
        _("The call to %(name)s is recorded.") % {"name": notice.person.name})
    return redirect("notices:calls")


@signed_in_post
def push_subscribe(request):
    """The inbox page's "notify this phone" button posts the browser's subscription here (JSON)."""
    try:
        body = json.loads(request.body or b"{}")
        keys = body.get("keys") or {}
        services.push_subscribe(actor=request.user, endpoint=str(body.get("endpoint", "")),
                                p256dh=str(keys.get("p256dh", "")), auth=str(keys.get("auth", "")))
    except (ValueError, AttributeError):
        return JsonResponse({"code": "invalid_input", "message": _("This browser's push address is not valid.")},
                            status=422)
    except DomainError as err:
        return JsonResponse(err.as_dict(), status=err.status)
    return JsonResponse({"ok": True, "message": _("This phone will now show your messages.")}, status=201)


def service_worker(request):
    """The service worker, from the site's root so that it may cover every page (installable site,
    push messages, the check-in page when the connection drops)."""
    path = finders.find("js/sw.js")
    with open(path, encoding="utf-8") as script:
        response = HttpResponse(script.read(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
