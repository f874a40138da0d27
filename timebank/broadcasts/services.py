"""Sending a message to a group: a preview says how many people it reaches and by which way (short
message, the inbox only, or the station's call list for those without a phone); sending writes one
notice each, in one transaction, once per form (a double click sends nothing twice)."""
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.lib.errors import Conflict, InvalidInput
from timebank.lib.text import clean_text
from timebank.notices.models import NoticeKind
from timebank.notices.services import notice_send
from timebank.orgs.models import Node
from timebank.people.models import Person
from timebank.teams.models import Team

from .models import Audience, Broadcast
from .selectors import audience_people

MAX_RECIPIENTS = 5000


@dataclass(frozen=True)
class Reach:
    people: int
    sms: int  # with a mobile, when the message also goes by short message
    inbox_only: int  # with a mobile (they can sign in), no short message
    call_list: int  # no mobile: the station phones them


def _people(node: Node, audience: str, team: Team | None, course_code: str):
    if audience not in Audience.values:
        raise InvalidInput(_("Choose to whom the message goes."), code="audience_invalid")
    if team is not None and not team.node.path.startswith(node.path) and not node.path.startswith(team.node.path):
        raise InvalidInput(_("This team is not at the chosen place."), code="team_elsewhere")
    return audience_people(node, audience, team=team if audience == Audience.TEAM else None,
                           course_code=course_code if audience == Audience.CERTIFICATE else "")


def broadcast_preview(*, node: Node, audience: str, team: Team | None = None, course_code: str = "",
                      by_sms: bool = False) -> Reach:
    """`node` and `team` come through the access helpers (broadcast_node_get, broadcast_team_get)."""
    people = _people(node, audience, team, course_code)
    total = people.count()
    phoneless = people.filter(Q(mobile__isnull=True) | Q(mobile="")).count()
    with_mobile = total - phoneless
    return Reach(people=total, sms=with_mobile if by_sms else 0, inbox_only=0 if by_sms else with_mobile,
                 call_list=phoneless)


def broadcast_send(*, actor: Person, node: Node, audience: str, text: str, token: str, team: Team | None = None,
                   course_code: str = "", by_sms: bool = False) -> Broadcast:
    text = clean_text(text or "")
    if not text:
        raise InvalidInput(_("Write the message."), code="text_required")
    if len(text) > 300:
        raise InvalidInput(_("At most 300 characters."), code="text_too_long")
    token = (token or "").strip()[:40]
    if not token:
        raise InvalidInput(_("This form has expired. Open it again."), code="token_required")
    people = _people(node, audience, team, course_code)
    ids = list(people.values_list("id", flat=True)[:MAX_RECIPIENTS + 1])
    if not ids:
        raise InvalidInput(_("Nobody is in this group."), code="audience_empty")
    if len(ids) > MAX_RECIPIENTS:
        raise InvalidInput(_("At most %(n)d people at a time: choose a smaller place.") % {"n": MAX_RECIPIENTS},
                           code="audience_too_large")
    reach = broadcast_preview(node=node, audience=audience, team=team, course_code=course_code, by_sms=by_sms)
    try:
        with transaction.atomic():
            broadcast = Broadcast.objects.create(
                bank_id=node.bank_id, node=node, audience=audience, team=team if audience == Audience.TEAM else None,
                course_code=course_code if audience == Audience.CERTIFICATE else "", text=text, by_sms=by_sms,
                sent_by=actor, token=token, recipients=len(ids), sms_count=reach.sms,
                inbox_only_count=reach.inbox_only, call_list_count=reach.call_list)
            notice_send(people=ids, kind=NoticeKind.BROADCAST, text=text, subject=("broadcast", broadcast.pk),
                        label=node.name, by_sms=by_sms, sms_text=f"{node.name}: {text}")
            audit_record(actor=actor, action="broadcast.sent", obj=broadcast, node=node,
                         changes={"audience": audience, "recipients": len(ids), "by_sms": by_sms})
    except IntegrityError:
        raise Conflict(_("This message has already been sent."), code="broadcast_already_sent") from None
    return broadcast
