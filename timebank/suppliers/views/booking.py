"""Booking a supplier and confirming the service (staff, elder, proxy), and the elder's orders."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from timebank.lib.errors import DomainError, NotFound, PermissionDenied
from timebank.lib.pages import form_error, signed_in_page
from timebank.orgs.roles import Perm
from timebank.people.access import SELF_OR_PROXY, elders_in_reach
from timebank.people.models import Person
from timebank.people.selectors import elders_acted_for

from .. import selectors, services
from ..forms import BookForm, RatingForm


def _elders_for(user) -> list[Person]:
    """The elders the booking form offers, through the one access layer (as `order_book` checks):
    the user and whom they are a proxy for first, then the elders their staff role reaches."""
    own = list(elders_in_reach(user, for_=SELF_OR_PROXY).filter(is_elder=True))
    staff = elders_in_reach(user, for_=Perm.PEOPLE_EDIT).filter(is_elder=True).exclude(pk__in=[e.pk for e in own])
    return own + list(staff[:500])


@signed_in_page
def order_book(request, supplier_id: int):
    supplier = selectors.Supplier.objects.filter(pk=supplier_id, bank_id=request.user.bank_id).first()
    if supplier is None:
        raise Http404()
    elders = [e for e in _elders_for(request.user) if e.node and selectors.serves(supplier, e.node)]
    if not elders:
        raise Http404()
    types = [o.service_type for o in supplier.offers.filter(is_active=True).select_related("service_type")]
    form = BookForm(request.POST or None, elders=elders, types=types)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order = services.order_book(actor=request.user, supplier=supplier,
                                        service_type=next(t for t in types if t.pk == d["service_type"]),
                                        elder=next(e for e in elders if e.pk == d["elder"]), starts_at=d["starts_at"],
                                        payment=d["payment"], address=d["address"], notes=d["notes"])
        except DomainError as err:
            form_error(form, err, {"times_invalid": "starts_at", "coins_not_accepted": "payment",
                                   "insufficient_balance": "payment"})
        else:
            messages.success(request, _("Booked. Order #%(id)s waits for the supplier.") % {"id": order.pk})
            return redirect("suppliers:my_orders")
    return render(request, "suppliers/book.html", {"form": form, "supplier": supplier})


@login_required
def my_orders(request):
    """The elder's (or proxy's) supplier orders, and the suppliers serving their community to book."""
    orders = selectors.orders_visible_to(request.user).order_by("-starts_at")[:50]
    elders = list(elders_acted_for(request.user).select_related("node"))
    if request.user.is_elder:
        elders.insert(0, request.user)
    return render(request, "suppliers/my_orders.html", {
        "orders": orders, "suppliers": selectors.serving_suppliers_for(elders)})


@signed_in_page
def order_confirm(request, order_id: int):
    order = selectors.order_get(request.user, order_id)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.order_confirm(actor=request.user, order=order, rating=form.cleaned_data["rating"],
                                   comment=form.cleaned_data["comment"])
        except (NotFound, PermissionDenied):
            raise
        except DomainError as err:
            form_error(form, err)
        else:
            messages.success(request, _("Thank you. The service is confirmed."))
            return redirect("suppliers:my_orders")
    return render(request, "suppliers/confirm.html", {"form": form, "order": order})
