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
from ..models import AlertStatus, ProxyHealthConsent
from ..selectors import consenting_proxies_of


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


def alert_contacts_reveal(*, actor, alert) -> list[dict]:
    """Whom medical staff ring about an alert still open: the elder's own mobile, their emergency
    contact, and the proxies the elder let hear about their health, numbers in full. Only for staff
    who act on the alert (health.manage at its station) and only before it is closed; every reveal is
    in the audit log, with the numbers' owners."""
    if not has_perm(actor, Perm.HEALTH_MANAGE, alert.station):
        raise NotFound()
    if alert.status == AlertStatus.CLOSED:
        raise InvalidInput(_("This alert is closed: its phone numbers are no longer shown."), code="alert_closed")
    elder = alert.elder
    contacts = []
    if elder.mobile:
        contacts.append({"name": elder.name, "relation": str(_("the elder")), "number": elder.mobile})
    if elder.emergency_contact_phone:
        contacts.append({"name": elder.emergency_contact_name or "—", "relation": str(_("emergency contact")),
                         "number": elder.emergency_contact_phone})
    for proxy in consenting_proxies_of([elder.pk]).get(elder.pk, []):
        if proxy.mobile:
            contacts.append({"name": proxy.name, "relation": str(_("proxy")), "number": proxy.mobile})
    audit_record(actor=actor, action="health.alert_contacts_revealed", obj=alert, node=alert.station,
                 changes={"elder": elder.pk, "numbers_of": [c["name"] for c in contacts]})
    return contacts
