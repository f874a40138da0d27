"""Forms of the complaint pages: filing one, and a handler's reason or outcome; the services decide
what is allowed."""
from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import TextField

from .models import ComplaintCategory, Severity


class ReasonForm(forms.Form):
    reason = TextField(label=_("Reason"), max_length=300, required=False)


class ComplaintForm(forms.Form):
    subject = forms.ChoiceField(label=_("About"), choices=[("supplier", _("A supplier")), ("volunteer", _("A volunteer"))],
                                widget=forms.RadioSelect)
    supplier = forms.TypedChoiceField(label=_("Supplier"), coerce=int, required=False, empty_value=None)
    volunteer_mobile = TextField(label=_("Volunteer's mobile number"), max_length=20, required=False)
    category = forms.ChoiceField(label=_("What went wrong"), choices=ComplaintCategory.choices, widget=forms.RadioSelect)
    text = TextField(label=_("Tell us what happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    photos = forms.FileField(label=_("Photos (optional)"), required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))

    def __init__(self, *args, suppliers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].choices = [("", "—"), *((s.pk, s.name) for s in suppliers)]


class ResolveForm(forms.Form):
    outcome = TextField(label=_("Outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    upheld = forms.BooleanField(label=_("The complaint is upheld"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    suspend_volunteer = forms.BooleanField(label=_("Suspend the volunteer"), required=False)
    correct_transfer = forms.TypedChoiceField(label=_("Correct a coin movement"), coerce=int, required=False,
                                              empty_value=None)
    correct_minutes = forms.IntegerField(label=_("Minutes to give back (empty: all)"), min_value=1, required=False)

    def __init__(self, *args, volunteer=False, transfers=(), **kwargs):
        super().__init__(*args, **kwargs)
        if not volunteer:
            del self.fields["suspend_volunteer"]
        if transfers:
            self.fields["correct_transfer"].choices = [("", "—"), *(
                (t.pk, _("#%(id)s: %(minutes)s minutes on %(day)s") % {
                    "id": t.pk, "minutes": t.amount, "day": f"{t.created_at:%Y-%m-%d}"}) for t in transfers)]
        else:
            del self.fields["correct_transfer"], self.fields["correct_minutes"]
