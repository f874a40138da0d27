"""Team pages: the teams in reach (staff) or my teams and those I may join (volunteers), a team's
page with members, hours and upcoming work, join/leave, the leader's decisions and group claim,
and staff creating a team. Every write calls a service."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.demands.models import Demand
from timebank.lib.errors import DomainError, NotFound
from timebank.lib.masking import mask_mobile
from timebank.lib.pages import (
    act_on_object,
    form_error,
    pdf_inline,
    refusals_shown_on,
    signed_in_page,
    signed_in_post,
)
from timebank.lib.pdf import table_document
from timebank.orgs.selectors import has_perm, nodes_visible_to, scope_q
from timebank.people.models import Person, VolunteerStatus

from . import selectors, services
from .forms import TeamClaimForm, TeamForm
from .models import MembershipStatus

TEAM_FIELDS = {"team_name_invalid": "name", "team_name_taken": "name", "leader_invalid": "leader",
               "no_members_chosen": "members", "not_member": "members", "not_group_demand": "demand"}


def _may_create(actor) -> bool:
    return has_perm(actor, selectors.MANAGE)


@login_required
def team_list(request):
    actor = request.user
    visible = list(selectors.teams_visible_to(actor).filter(closed_at__isnull=True))
    mine = {m.team_id: m for m in actor.team_memberships.filter(status__in=[MembershipStatus.PENDING,
                                                                             MembershipStatus.APPROVED])}
    rows = [(team, mine.get(team.pk)) for team in visible]
    return render(request, "teams/list.html", {
        "rows": rows, "my_rows": [r for r in rows if r[1] is not None or r[0].leader_id == actor.pk],
        "other_rows": [r for r in rows if r[1] is None and r[0].leader_id != actor.pk],
        "can_create": _may_create(actor),
        "is_volunteer": actor.volunteer_status == VolunteerStatus.APPROVED,
    })


@login_required
def team_new(request):
    actor = request.user
    if not _may_create(actor):
        raise Http404()
    nodes = nodes_visible_to(actor, selectors.MANAGE).filter(is_closed=False).order_by("path")
    volunteers = (Person.objects.filter(scope_q(actor, selectors.MANAGE, "node__path"),
                                        volunteer_status=VolunteerStatus.APPROVED)
                  .select_related("node").order_by("name", "id"))
    form = TeamForm(request.POST or None, nodes=nodes, volunteers=volunteers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_shown_on(form, TEAM_FIELDS):
            team = services.team_create(actor=actor, node=data["node"], name=data["name"], leader=data["leader"],
                                        description=data["description"])
            messages.success(request, _("Team %(name)s is set up.") % {"name": team.name})
            return redirect("teams:detail", pk=team.pk)
    return render(request, "teams/new.html", {"form": form}, status=422 if form.errors else 200)


@signed_in_page
def team_detail(request, pk: int):
    actor = request.user
    team = selectors.team_get(actor, pk)
    leads = selectors.may_lead(actor, team)
    rows = selectors.member_rows(team)
    membership = selectors.membership_of(team, actor)
    return render(request, "teams/detail.html", {
        "team": team, "leads": leads, "rows": rows, "membership": membership,
        "pending": selectors.memberships(team, MembershipStatus.PENDING) if leads else [],
        "upcoming": selectors.upcoming_work(team),
        "total_minutes": sum(r.team_minutes for r in rows),
        "served_minutes": sum(r.served_minutes for r in rows),
        "can_join": membership is None and actor.volunteer_status == VolunteerStatus.APPROVED
        and team.closed_at is None,
    })


def _act(request, pk: int, action, success: str):
    return act_on_object(request, selectors.team_get, pk, action, success, "teams:detail")


@signed_in_post
def team_join(request, pk: int):
    return _act(request, pk, lambda actor, team: services.team_join(actor=actor, team=team),
                _("You asked to join. The leader will decide."))


@signed_in_post
def team_leave(request, pk: int):
    return _act(request, pk, lambda actor, team: services.team_leave(actor=actor, team=team),
                _("You left the team."))


def _member(team, person_pk: int) -> Person:
    return get_object_or_404(Person, pk=person_pk, team_memberships__team=team)


@signed_in_post
def member_decide(request, pk: int, person_pk: int):
    approve = request.POST.get("decision") == "approve"

    def action(actor, team):
        services.membership_decide(actor=actor, team=team, person=_member(team, person_pk), approve=approve)

    return _act(request, pk, action, _("Accepted into the team.") if approve else _("The request is declined."))


@signed_in_post
def member_remove(request, pk: int, person_pk: int):
    def action(actor, team):
        services.team_leave(actor=actor, team=team, person=_member(team, person_pk))

    return _act(request, pk, action, _("The member is removed from the team."))


@signed_in_page
def team_claim(request, pk: int):
    """The leader takes places on a group activity for ticked members, all or none."""
    actor = request.user
    team = selectors.team_get(actor, pk)
    if not selectors.may_lead(actor, team):
        raise Http404()
    members = Person.objects.filter(team_memberships__team=team,
                                    team_memberships__status=MembershipStatus.APPROVED).order_by("name", "id")
    demand_ids = [d.pk for d in selectors.claimable_demands(team)]
    demands = Demand.objects.filter(pk__in=demand_ids).select_related("service_type", "station") \
        .order_by("starts_at", "id")
    form = TeamClaimForm(request.POST or None, demands=demands, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignments = services.team_claim(actor=actor, team=team, demand=data["demand"],
                                              members=list(data["members"]))
        except NotFound:
            raise Http404() from None
        except DomainError as err:
            person = Person.objects.filter(pk=(err.detail or {}).get("person_id")).first()
            form_error(form, err, TEAM_FIELDS)
            if person is not None:
                form.add_error(None, _("This concerns %(name)s.") % {"name": person.name})
        else:
            messages.success(request, _("%(count)s places taken for the team.") % {"count": len(assignments)})
            return redirect("teams:detail", pk=team.pk)
    return render(request, "teams/claim.html", {"team": team, "form": form, "has_demands": bool(demand_ids)},
                  status=422 if form.errors else 200)


@signed_in_page
def team_roster(request, pk: int):
    """The team's roster on A4: members, their phone (masked), when they joined, hours served."""
    actor = request.user
    team = selectors.team_get(actor, pk)
    if not selectors.may_lead(actor, team):
        raise Http404()
    rows = selectors.member_rows(team)
    now = timezone.now()
    pdf = table_document(
        title=_("Team roster: %(team)s") % {"team": team.name}, min_lines=2,
        lines=[f"{team.bank.name} · {team.node.name} · " + _("Leader: %(name)s") % {"name": team.leader.name},
               _("As of %(when)s · made by %(name)s · reviewed by: ________")
               % {"when": f"{timezone.localtime(now):%Y-%m-%d %H:%M}", "name": actor.name}],
        columns=[("#", 3), (_("Name"), 12), (_("Mobile"), 12), (_("Member since"), 11), (_("Services"), 8),
                 (_("Hours in this team"), 10), (_("Hours in all"), 10), (_("Signature"), 12)],
        rows=[[str(i), r.membership.person.name, mask_mobile(r.membership.person.mobile or ""),
               f"{timezone.localtime(r.membership.decided_at or r.membership.requested_at):%Y-%m-%d}",
               str(r.services), f"{r.team_minutes / 60:.1f}",
               f"{r.served_minutes / 60:.1f}", ""] for i, r in enumerate(rows, 1)]
        or [["", _("No members yet."), "", "", "", "", "", ""]])
    return pdf_inline(pdf, f"team-{team.pk}-roster.pdf")
