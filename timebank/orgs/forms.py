"""Forms of the org tree, role grant and bank rules pages; the services decide what is allowed."""
from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import TextField

from . import rules


class NodeCreateForm(forms.Form):
    name = TextField(label=_("Unit name"), max_length=100)
    name_en = TextField(label=_("English name"), max_length=100, required=False)


class NodeUpdateForm(forms.Form):
    name = TextField(label=_("Unit name"), max_length=100)
    name_en = TextField(label=_("English name"), max_length=100, required=False)
    address = TextField(label=_("Address of the unit"), max_length=200, required=False)
    code = TextField(label=_("Check-in code (volunteers type it when their location cannot be found)"), max_length=32,
                     required=False)
    phone = TextField(label=_("Phone members can call"), max_length=20, required=False)
    opening_hours = TextField(label=_("Opening hours (e.g. Mon–Fri 8:30–17:00)"), max_length=100, required=False)


class GrantForm(forms.Form):
    mobile = TextField(label=_("Mobile number of the person"), max_length=20)
    role = forms.ChoiceField(label=_("Role"))
    node = forms.TypedChoiceField(label=_("Where (reaches everything below)"), coerce=int)

    def __init__(self, *args, roles=(), nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = list(roles)
        top = min((n.depth for n in nodes), default=0)
        self.fields["node"].choices = [(n.pk, "\u2003" * (n.depth - top) + f"{n.name} ({n.get_kind_display()})")
                                       for n in nodes]


class RulesForm(forms.Form):
    """Every part of the bank's rules on one form, each field from the model of the app that owns it."""

    # Text rules where empty is a value ("none required"), not "keep the current one".
    CLEARABLE = ("orientation_course_code",)
    TEXT = {"orientation_course_code": TextField, "honour_thresholds_hours": TextField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for section in rules.sections():
            for name, field in forms.fields_for_model(section.model, fields=section.fields,
                                                      field_classes=self.TEXT).items():
                # A number left out keeps its current value (the view fills it in).
                if name not in ("volunteer_min_age", "elder_min_age") and not isinstance(field, forms.BooleanField):
                    field.required = False
                self.fields[name] = field

    def parts(self) -> list[tuple[str, list]]:
        """(title, bound fields) of each part, in the registry's order: the page shows them as sections."""
        return [(section.title, [self[name] for name in section.fields]) for section in rules.sections()]
