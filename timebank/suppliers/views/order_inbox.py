"""Supplier staff: the phone-friendly order inbox, acting on an order, and taking a guarantee request."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from timebank.lib.errors import DomainError, NotFound, PermissionDenied
from timebank.lib.pages import safe_next, signed_in_post

from .. import selectors, services
from ..models import GuaranteeOffer


@login_required
def inbox(request):
    ids = selectors.member_supplier_ids(request.user)
    if not ids:
        raise Http404()
    suppliers = list(selectors.Supplier.objects.filter(pk__in=ids))
    boxes = [(s, selectors.order_inbox(request.user, s), list(selectors.guarantee_offers_for(s))) for s in suppliers]
    admin_of = {s.pk for s in suppliers if selectors.is_supplier_admin(request.user, s)}
    return render(request, "suppliers/inbox.html", {"boxes": boxes, "admin_of": admin_of})


@signed_in_post
def order_action(request, order_id: int, action: str):
    order = selectors.order_get(request.user, order_id)
    handlers = {"accept": services.order_accept, "done": services.order_done, "decline": services.order_decline,
                "cancel": services.order_cancel}
    if action not in handlers:
        raise Http404()
    try:
        handlers[action](actor=request.user, order=order)
        messages.success(request, _("Done."))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as err:
        messages.error(request, str(err.message))
    return redirect(safe_next(request, reverse("suppliers:inbox")))


@login_required
@require_POST
def guarantee_take(request, offer_id: int):
    offer = GuaranteeOffer.objects.filter(pk=offer_id, supplier_id__in=selectors.member_supplier_ids(request.user)).first()
    if offer is None:
        raise Http404()
    try:
        services.guarantee_accept(actor=request.user, offer=offer)
        messages.success(request, _("The request is yours."))
    except DomainError as err:
        messages.error(request, str(err.message))
    return redirect("suppliers:inbox")
