"""The roster upload form."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportKind
from .roster import MAX_BYTES


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The roster lists"), widget=forms.RadioSelect, choices=ImportKind.choices,
                             initial=ImportKind.ELDERS)
    node = forms.TypedChoiceField(label=_("Import at"), coerce=int,
                                  help_text=_("At a station, rows without a station go there; at a branch or the "
                                              "bank, each row names its station."))
    file = forms.FileField(label=_("Roster file (.xlsx or .csv, at most 20 MB)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}))
    consent = forms.BooleanField(label=_("The people on this roster (or their guardians) agreed to the processing "
                                         "of their personal data for the time bank."), required=True)

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [(n.pk, "\u3000" * max(n.depth - 1, 0) + n.name) for n in nodes]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB. Split the roster into smaller files."),
                                        code="import_file_too_large")
        return upload
