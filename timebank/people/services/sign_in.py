"""Staff help for someone who cannot sign in: a new password, or their lockout cleared."""
import datetime as dt

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.models import AuditEvent
from timebank.audit.services import audit_record
from timebank.lib.errors import InvalidInput, NotFound, PermissionDenied
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from ..exceptions import UnlockRateLimited
from ..models import Person
from ..selectors import reaches_every_role_of
from .tokens import api_tokens_revoke_all


def password_reset_by_staff(*, actor, person: Person, new_password: str) -> Person:
    """Staff set a new password for someone who forgot theirs (most often an elder)."""
    try:
        validate_password(new_password, user=person)
    except ValidationError as err:
        raise InvalidInput(" ".join(err.messages), code="password_weak") from None
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
        _may_reset(actor, person)
        if not person.mobile:
            raise InvalidInput(_("Give this person a mobile number first: it is their username."), code="no_mobile")
        person.set_password(new_password)
        person.save(update_fields=["password", "updated_at"])
        audit_record(actor=actor, action="person.password_reset", obj=person)
        api_tokens_revoke_all(actor=actor, person=person, reason="password_reset")
    return person


def _may_reset(actor, person: Person) -> None:
    """Staff who reach the person with people.reset_password, and every role the person holds; never
    themselves. Otherwise 404 (out of reach) or 403 (a role above the actor's)."""
    if person.node is None or not has_perm(actor, Perm.PEOPLE_RESET_PASSWORD, person.node) or actor.pk == person.pk:
        raise NotFound()
    if not reaches_every_role_of(actor, person, Perm.PEOPLE_RESET_PASSWORD):
        raise PermissionDenied(code="roles_out_of_reach")


def login_unlock(*, actor, person: Person) -> int:
    """Clear the failed sign-ins that locked `person` out, at every address; the number of lockout records
    cleared. Staff who may reset the person's password may do it, at most LOGIN_UNLOCKS_PER_HOUR times an hour."""
    from axes.handlers.proxy import AxesProxyHandler

    person = Person.objects.select_related("node").get(pk=person.pk)
    _may_reset(actor, person)
    if not person.mobile:
        raise InvalidInput(_("This person has no mobile number, so cannot sign in."), code="no_mobile")
    since = timezone.now() - dt.timedelta(hours=1)
    recent = AuditEvent.objects.filter(actor=actor, action="person.login_unlocked", at__gte=since).count()
    if recent >= settings.LOGIN_UNLOCKS_PER_HOUR:
        raise UnlockRateLimited(detail={"per_hour": settings.LOGIN_UNLOCKS_PER_HOUR})
    with transaction.atomic():
        cleared = AxesProxyHandler.reset_attempts(username=person.mobile)
        audit_record(actor=actor, action="person.login_unlocked", obj=person, changes={"cleared": cleared})
    return cleared
