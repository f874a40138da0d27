"""Org pages: the tree within reach and its management, role grants, and a bank's rules."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from timebank.lib.errors import DomainError, NotFound
from timebank.lib.pages import (
    form_error,
    page_of,
    refusals_shown_on,
    run_and_report,
    safe_next,
    signed_in_page,
    signed_in_post,
)
from timebank.people.selectors import person_by_mobile

from . import rules as rule_parts
from . import selectors, services
from .forms import GrantForm, NodeCreateForm, NodeUpdateForm, RulesForm
from .models import CHILD_KIND, NodeKind, RoleGrant
from .roles import Perm, Role

NODE_FIELDS = {"name_invalid": "name", "phone_invalid": "phone", "code_invalid": "code"}


@login_required
def tree(request):
    actor = request.user
    if not (selectors.has_perm(actor, Perm.PEOPLE_VIEW) or selectors.has_perm(actor, Perm.ORGS_MANAGE)):
        raise Http404()
    show_closed = request.GET.get("closed") == "1"
    nodes = (selectors.nodes_visible_to(actor, Perm.PEOPLE_VIEW) | selectors.nodes_visible_to(actor, Perm.ORGS_MANAGE))
    if not show_closed:
        nodes = nodes.filter(is_closed=False)
    nodes = list(nodes.distinct().order_by("path"))
    top = min((n.depth for n in nodes), default=0)
    rows = [{"node": n, "indent": n.depth - top, "manage": selectors.has_perm(actor, Perm.ORGS_MANAGE, n)}
            for n in nodes]
    return render(request, "orgs/tree.html", {"rows": rows, "show_closed": show_closed})


def _node_page(request, node, *, status: int = 200, **forms):
    child_kind = CHILD_KIND.get(node.kind)
    context = {
        "node": node,
        "child_kind": NodeKind(child_kind).label if child_kind else None,
        "children": node.children.order_by("is_closed", "name"),
        "update_form": NodeUpdateForm(initial=_node_initial(node)),
        "create_form": NodeCreateForm(),
        "can_close": node.kind in (NodeKind.BRANCH, NodeKind.STATION)
        or selectors.has_perm(request.user, Perm.ORGS_MANAGE, node.parent),
        **forms,
    }
    return render(request, "orgs/node.html", context, status=status)


def _node_initial(node) -> dict:
    return {"name": node.name, "name_en": node.name_en, "address": node.address, "code": node.code, "phone": node.phone,
            "opening_hours": node.opening_hours}


@signed_in_page
def node_detail(request, pk: int):
    return _node_page(request, selectors.node_get(request.user, pk, Perm.ORGS_MANAGE))


@signed_in_post
def node_rename(request, pk: int):
    actor = request.user
    node = selectors.node_get(actor, pk, Perm.ORGS_MANAGE)
    form = NodeUpdateForm(request.POST, initial=_node_initial(node))
    if form.is_valid():
        with refusals_shown_on(form, NODE_FIELDS):
            services.node_update(actor=actor, node=node, **{k: form.cleaned_data[k] for k in form.changed_data})
            messages.success(request, _("The changes are saved."))
            return redirect("orgs:node", pk=node.pk)
    return _node_page(request, node, update_form=form, status=422)


@signed_in_post
def node_add(request, pk: int):
    actor = request.user
    parent = selectors.node_get(actor, pk, Perm.ORGS_MANAGE)
    form = NodeCreateForm(request.POST)
    if form.is_valid():
        with refusals_shown_on(form, NODE_FIELDS):
            child = services.node_create(actor=actor, parent=parent, kind=CHILD_KIND.get(parent.kind, ""),
                                         name=form.cleaned_data["name"], name_en=form.cleaned_data["name_en"])
            messages.success(request, _("%(name)s is created.") % {"name": child.name})
            return redirect("orgs:node", pk=parent.pk)
    return _node_page(request, parent, create_form=form, status=422)


@signed_in_post
def node_close(request, pk: int):
    actor = request.user
    node = selectors.node_get(actor, pk, Perm.ORGS_MANAGE)
    run_and_report(request, lambda: services.node_close(actor=actor, node=node),
                   _("%(name)s is closed. Its history is kept.") % {"name": node.name})
    return redirect("orgs:node", pk=node.pk)


def _grant_form(actor, data=None) -> GrantForm:
    roles = [(r, Role(r).label) for r in selectors.roles_grantable_by(actor)]
    nodes = selectors.nodes_visible_to(actor, Perm.ROLES_GRANT).filter(is_closed=False).order_by("path")
    return GrantForm(data, roles=roles, nodes=nodes)


@signed_in_page
def grants(request):
    actor = request.user
    if not selectors.has_perm(actor, Perm.ROLES_GRANT):
        raise Http404()
    form = _grant_form(actor, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = person_by_mobile(actor, data["mobile"])
            except NotFound:
                form.add_error("mobile", _("Nobody with this mobile number is registered in your area."))
            else:
                try:
                    node = selectors.node_get(actor, data["node"], Perm.ROLES_GRANT)
                    services.role_grant(actor=actor, person=person, role=data["role"], node=node)
                except DomainError as err:
                    form_error(form, err, {"role_not_grantable": "role", "grant_exists": "role", "node_closed": "node"})
                else:
                    messages.success(request, _("%(name)s is now %(role)s at %(node)s.") % {
                        "name": person.name, "role": Role(data["role"]).label, "node": node.name})
                    return redirect("orgs:grants")
    page = page_of(request, selectors.grants_visible_to(actor))
    rows = [(g, selectors.can_grant(actor, g.role, g.node)) for g in page]
    return render(request, "orgs/grants.html", {"form": form, "page": page, "rows": rows}, status=status)


@signed_in_post
def grant_revoke(request, pk: int):
    actor = request.user
    grant: RoleGrant = selectors.grant_get(actor, pk)
    run_and_report(request, lambda: services.role_revoke(actor=actor, grant=grant),
                   lambda _revoked: _("%(name)s no longer holds %(role)s at %(node)s.") % {
                       "name": grant.person.name, "role": grant.get_role_display(), "node": grant.node.name})
    return redirect(safe_next(request, default=reverse("orgs:grants")))


@signed_in_page
def rules(request):
    actor = request.user
    banks = list(selectors.nodes_visible_to(actor, Perm.RULES_MANAGE).filter(kind=NodeKind.BANK).order_by("path"))
    if not banks:
        raise Http404()
    bank = selectors.node_get(actor, request.GET["bank"], Perm.RULES_MANAGE) if request.GET.get("bank") else banks[0]
    if bank.kind != NodeKind.BANK:
        raise Http404()
    current = selectors.rules_for(bank)
    form = RulesForm(request.POST or None, initial={f: getattr(current, f) for f in rule_parts.all_fields()})
    if request.method == "POST" and form.is_valid():
        with refusals_shown_on(form):
            services.bank_rules_set(actor=actor, bank=bank, **{f: form.cleaned_data[f] for f in form.fields
                                                               if form.cleaned_data[f] not in (None, "")
                                                               or f in RulesForm.CLEARABLE})
            messages.success(request, _("The new rules of %(bank)s are in force.") % {"bank": bank.name})
            return redirect(f"{request.path}?bank={bank.pk}")
    return render(request, "orgs/rules.html", {
        "banks": banks, "bank": bank, "form": form, "current": current, "history": selectors.rules_history(bank),
    }, status=422 if form.errors else 200)
