"""Person.volunteer_since: when an approved volunteer was approved. Existing approved volunteers get
the time of their approval from the audit trail, or their registration when it was automatic."""
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce


def backfill(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    approval = (AuditEvent.objects.filter(action="volunteer.approved", object_type="people.person",
                                          object_id=Cast(OuterRef("pk"), models.CharField()))
                .order_by("-at").values("at")[:1])
    # Approved once, whether or not they still volunteer: their join month stays what it was.
    (Person.objects.filter(volunteer_status="approved")
     .update(volunteer_since=Coalesce(Subquery(approval), F("created_at"))))


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("audit", "0003_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="volunteer_since",
            field=models.DateTimeField(blank=True, null=True, verbose_name="volunteer since"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
