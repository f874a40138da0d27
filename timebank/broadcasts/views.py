"""The page to send a message to a group: choose the place and the group, see how many it reaches
and how, then send; below, the messages sent before."""
import uuid

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from timebank.lib.errors import DomainError
from timebank.lib.pages import form_error, page_of, signed_in_page
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from . import selectors, services
from .models import Audience


class BroadcastForm(forms.Form):
    node = forms.TypedChoiceField(label=gettext_lazy("Where"), coerce=int)
    audience = forms.ChoiceField(label=gettext_lazy("To whom"), choices=Audience.choices)
    team = forms.TypedChoiceField(label=gettext_lazy("Team (when sending to a team)"), coerce=int, required=False,
                                  empty_value=None)
    course_code = forms.ChoiceField(label=gettext_lazy("Certificate (when sending to its holders)"), required=False)
    text = forms.CharField(label=gettext_lazy("Message"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    by_sms = forms.BooleanField(label=gettext_lazy("Also send it as a short message"), required=False)
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [(n.pk, n.name) for n in selectors.broadcast_nodes(actor).order_by("path")]
        self.fields["team"].choices = [("", "—")] + [(t.pk, f"{t.name} · {t.node.name}")
                                                     for t in selectors.broadcast_teams(actor).order_by("name")]
        self.fields["course_code"].choices = [("", "—")] + [(c, f"{n} ({c})")
                                                           for c, n in selectors.broadcast_courses(actor)]


@signed_in_page
def broadcast_page(request):
    actor = request.user
    if not has_perm(actor, Perm.NOTICES_BROADCAST):
        raise Http404
    form = BroadcastForm(request.POST or None, actor=actor, initial={"token": uuid.uuid4().hex})
    reach = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            node = selectors.broadcast_node_get(actor, d["node"])
            team = selectors.broadcast_team_get(actor, d["team"]) if d["team"] else None
            if request.POST.get("action") == "send":
                broadcast = services.broadcast_send(actor=actor, node=node, audience=d["audience"], team=team,
                                                    course_code=d["course_code"], text=d["text"],
                                                    by_sms=d["by_sms"], token=d["token"])
                messages.success(request, _("Sent to %(n)d people.") % {"n": broadcast.recipients})
                return redirect("broadcasts:index")
            reach = services.broadcast_preview(node=node, audience=d["audience"], team=team,
                                               course_code=d["course_code"], by_sms=d["by_sms"])
        except DomainError as err:
            form_error(form, err, {"team_required": "team", "course_required": "course_code",
                                   "text_required": "text", "text_too_long": "text", "audience_empty": "audience",
                                   "team_elsewhere": "team"})
    page = page_of(request, selectors.broadcasts_visible_to(actor), 20)
    return render(request, "broadcasts/index.html", {"form": form, "reach": reach, "page": page},
                  status=422 if form.errors else 200)
