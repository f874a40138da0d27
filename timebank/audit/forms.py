"""The audit log's filter form, and readable names for the action codes services write."""
from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import TextField

ACTION_LABELS = {
    "person.registered": _("Person registered by staff"),
    "person.signed_up": _("Volunteer signed up"),
    "person.updated": _("Person changed"),
    "person.viewed_full": _("Full ID and mobile viewed"),
    "person.password_reset": _("Password reset by staff"),
    "person.login_unlocked": _("Sign-in lockout cleared by staff"),
    "volunteer.approved": _("Volunteer approved"),
    "volunteer.rejected": _("Volunteer not approved"),
    "proxy.linked": _("Proxy linked"),
    "proxy.requested": _("Proxy link asked for"),
    "proxy.confirmed": _("Proxy link confirmed"),
    "proxy.declined": _("Proxy link declined by the elder"),
    "proxy.unlinked": _("Proxy unlinked"),
    "token.created": _("API token created"),
    "token.revoked": _("API token revoked"),
    "token.revoked_all": _("API tokens revoked by a password change"),
    "field_keys.rotated": _("Personal data re-encrypted with a new key"),
    "org.node_created": _("Unit created"),
    "org.node_updated": _("Unit changed"),
    "org.node_closed": _("Unit closed"),
    "role.granted": _("Role granted"),
    "role.revoked": _("Role revoked"),
    "rules.changed": _("Bank rules changed"),
}

OBJECT_TYPES = {
    "people.person": _("Person"),
    "people.proxylink": _("Proxy link"),
    "people.apitoken": _("API token"),
    "orgs.node": _("Organisation unit"),
    "orgs.rolegrant": _("Role grant"),
    "orgs.bankrules": _("Bank rules"),
}


class AuditFilterForm(forms.Form):
    action = TextField(label=_("Action"), required=False, max_length=64,
                             widget=forms.TextInput(attrs={"list": "audit-actions"}))
    actor = TextField(label=_("Who (name or mobile)"), required=False, max_length=50)
    object_type = TextField(label=_("Object type"), required=False, max_length=64,
                                  widget=forms.TextInput(attrs={"list": "audit-object-types"}))
    object_id = TextField(label=_("Object no."), required=False, max_length=64)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
