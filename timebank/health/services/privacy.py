"""Who sees an elder's health values: a proxy's consent, and the audit record of every look and export."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.lib.errors import InvalidInput, NotFound
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person, ProxyLink

from ..exceptions import ConsentBySelf
from ..models import ProxyHealthConsent


def proxy_health_consent_set(*, actor, elder: Person, proxy: Person, consent: bool) -> bool:
    """Record (or withdraw) the elder's consent that this proxy sees their health values and hears about
    their alerts. Given by the elder themselves, or recorded by staff who may edit the elder (from a
    signed paper form) — never by the proxy themselves, and only for a confirmed link; withdrawn by the
    same people or by the proxy, for themselves. Returns whether anything changed: asking for the state
    already in force changes nothing and writes no audit."""
    with transaction.atomic():
        elder = Person.objects.select_for_update(of=("self",)).select_related("node").filter(
            pk=elder.pk, is_elder=True).first()
        if elder is None:
            raise NotFound()
        may_decide = actor.pk == elder.pk or (elder.node is not None and has_perm(actor, Perm.PEOPLE_EDIT, elder.node))
        if not may_decide and not (actor.pk == proxy.pk and not consent):
            raise NotFound()
        if consent and actor.pk == proxy.pk:
            raise ConsentBySelf()
        linked = ProxyLink.objects.active().filter(elder=elder, proxy=proxy).exists()
        if consent and not linked:
            raise InvalidInput(_("This person is not the elder's proxy."), code="not_a_proxy")
        live = ProxyHealthConsent.objects.select_for_update().filter(elder=elder, proxy=proxy,
                                                                     withdrawn_at__isnull=True).first()
        if consent and live is None:
            ProxyHealthConsent.objects.create(elder=elder, proxy=proxy, recorded_by=actor)
        elif not consent and live is not None:
            live.withdrawn_at, live.withdrawn_by = timezone.now(), actor
            live.save(update_fields=["withdrawn_at", "withdrawn_by"])
        else:
            return False
        audit_record(actor=actor, action="health.proxy_consent", obj=elder, node=elder.node,
                     changes={"proxy": proxy.pk, "consent": consent})
    return True


def health_view_record(*, actor, elder: Person, what: str) -> None:
    """Every look at an elder's health values (page, API list, export) goes to the audit trail."""
    audit_record(actor=actor, action="health.viewed", obj=elder, node=elder.node, bank=elder.bank,
                 changes={"what": what})


def health_export_record(*, actor, what: str, filters: dict | None = None) -> None:
    """A staff export of health tables (the alert queue) goes to the audit trail with its filters."""
    audit_record(actor=actor, action="health.exported", changes={"what": what, "filters": filters or {}})
