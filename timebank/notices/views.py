"""The inbox page: a person's own notices, newest first; opening a page of them marks them read."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from timebank.lib.pages import page_of

from . import selectors, services


@login_required
def inbox(request):
    page = page_of(request, selectors.notices_of(request.user), 30)
    response = render(request, "notices/inbox.html", {"page": page})
    services.notices_mark_read(actor=request.user, notice_ids=[n.pk for n in page])
    return response
