"""Points-shop pages. Members: the catalogue of their branch in large type, ordering with a
confirmation step and a hidden idempotency key, their orders. Staff: the item editor and the
pick-up list (hand over / cancel) with CSV export. Every write calls a service."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.audit.idempotency import run_idempotent
from timebank.ledger.models import Currency
from timebank.ledger.selectors import accounts_of
from timebank.lib.pages import (
    export_format,
    page_of,
    query_without,
    refusals_shown_on,
    run_and_report,
    signed_in_page,
    signed_in_post,
    table_download,
)
from timebank.orgs.models import NodeKind
from timebank.orgs.selectors import has_perm, nodes_visible_to, scope_q

from . import selectors, services
from .forms import ItemForm, OrderForm
from .models import OrderStatus, RewardItem

ITEM_FIELDS = {"item_invalid": "price_points"}


def _points(person):
    return accounts_of(person)[Currency.POINTS]


@login_required
def catalogue(request):
    actor = request.user
    branch_id = selectors.home_branch_id(actor)
    items = RewardItem.objects.filter(branch_id=branch_id, is_active=True).order_by("price_points", "id") \
        if branch_id else RewardItem.objects.none()
    return render(request, "rewards/catalogue.html", {
        "items": items, "points": _points(actor), "can_manage": has_perm(actor, selectors.MANAGE),
        "held": selectors.orders_of(actor).filter(status=OrderStatus.HELD).count(),
    })


@signed_in_page
def order(request, pk: int):
    """Step 1 shows the item and the points it takes; step 2 (`confirm`) orders, once per key."""
    actor = request.user
    item = selectors.item_get(actor, pk)
    if item.branch_id != selectors.home_branch_id(actor) or not item.is_active:
        raise Http404()
    form = OrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and request.POST.get("step") == "confirm":

        def perform():
            placed = services.order_place(actor=actor, item=item)
            return 201, {"id": placed.pk}

        with refusals_shown_on(form):
            with transaction.atomic():
                run_idempotent(actor=actor, key=f"page:rewards.order:{form.cleaned_data['key']}",
                               operation="rewards.order", payload={"item": item.pk}, perform=perform)
            messages.success(request, _("Ordered: %(item)s. Pick it up at your service station.") % {
                "item": item.name})
            return redirect("rewards:orders")
    return render(request, "rewards/order.html", {"item": item, "form": form, "points": _points(actor)},
                  status=422 if form.errors else 200)


@login_required
def my_orders(request):
    orders = selectors.orders_of(request.user)
    return render(request, "rewards/orders.html", {"page": page_of(request, orders)})


@signed_in_post
def order_cancel(request, pk: int):
    actor = request.user
    placed = selectors.order_get(actor, pk)
    staff = selectors.may_manage(actor, placed.branch)
    run_and_report(request, lambda: services.order_cancel(actor=actor, order=placed),
                   _("The order is cancelled and the points are free again."))
    return redirect("rewards:pickup" if staff and placed.person_id != actor.pk else "rewards:orders")


# ---- staff -----------------------------------------------------------------------------------

def _require_manager(actor) -> None:
    if not has_perm(actor, selectors.MANAGE):
        raise Http404()


def _branches(actor):
    return nodes_visible_to(actor, selectors.MANAGE).filter(kind=NodeKind.BRANCH, is_closed=False).order_by("path")


@login_required
def items(request):
    actor = request.user
    _require_manager(actor)
    rows = RewardItem.objects.filter(scope_q(actor, selectors.MANAGE, "branch__path")).select_related("branch") \
        .order_by("branch__path", "name", "id")
    return render(request, "rewards/items.html", {"page": page_of(request, rows)})


@login_required
def item_new(request):
    actor = request.user
    _require_manager(actor)
    form = ItemForm(request.POST or None, branches=_branches(actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_shown_on(form, ITEM_FIELDS):
            item = services.item_create(actor=actor, branch=data["branch"], name=data["name"],
                                        price_points=data["price_points"], stock=data["stock"],
                                        description=data["description"])
            if not data["is_active"]:
                services.item_update(actor=actor, item=item, name=item.name, price_points=item.price_points,
                                     stock=item.stock, is_active=False, description=item.description)
            messages.success(request, _("%(name)s is in the catalogue.") % {"name": item.name})
            return redirect("rewards:items")
    return render(request, "rewards/item_form.html", {"form": form}, status=422 if form.errors else 200)


@signed_in_page
def item_edit(request, pk: int):
    actor = request.user
    item = selectors.item_get(actor, pk)
    if not selectors.may_manage(actor, item.branch):
        raise Http404()
    form = ItemForm(request.POST or None, initial={
        "name": item.name, "description": item.description, "price_points": item.price_points, "stock": item.stock,
        "is_active": item.is_active})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_shown_on(form, ITEM_FIELDS):
            services.item_update(actor=actor, item=item, name=data["name"], price_points=data["price_points"],
                                 stock=data["stock"], is_active=data["is_active"], description=data["description"])
            messages.success(request, _("%(name)s is saved.") % {"name": data["name"]})
            return redirect("rewards:items")
    return render(request, "rewards/item_form.html", {"form": form, "item": item}, status=422 if form.errors else 200)


@login_required
def pickup(request):
    actor = request.user
    _require_manager(actor)
    status = request.GET.get("status", OrderStatus.HELD)
    if status not in OrderStatus.values and status != "all":
        status = OrderStatus.HELD
    orders = selectors.pickup_list(actor, "" if status == "all" else status)
    if export_format(request):
        return table_download(request, "reward-orders", [
            _("Order"), _("Ordered at"), _("Branch"), _("Member"), _("Item"), _("Points"), _("Status")],
            ([o.pk, timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"), o.branch.name, o.person.name,
              o.item.name, o.points, o.get_status_display()] for o in orders.iterator()))
    return render(request, "rewards/pickup.html", {
        "page": page_of(request, orders), "status": status, "statuses": OrderStatus.choices,
        "query": query_without(request, "page"), "export_query": query_without(request, "page", "format"),
    })


@signed_in_post
def order_hand_over(request, pk: int):
    actor = request.user
    placed = selectors.order_get(actor, pk)
    run_and_report(request, lambda: services.order_hand_over(actor=actor, order=placed),
                   lambda _order: _("Handed over: %(item)s to %(name)s.") % {"item": placed.item.name,
                                                                           "name": placed.person.name})
    return redirect("rewards:pickup")
