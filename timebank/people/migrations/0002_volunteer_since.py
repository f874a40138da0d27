"""Person.volunteer_since: when an approved volunteer was approved. Existing approved volunteers get
the time of their approval from the audit trail, or their registration when it was automatic."""
from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    approved = Person.objects.filter(is_volunteer=True, volunteer_status="approved")
    approved.update(volunteer_since=F("created_at"))
    approvals = (AuditEvent.objects.filter(action="volunteer.approved", object_type="people.person")
                 .order_by("at").values_list("object_id", "at"))
    for object_id, at in approvals.iterator(chunk_size=5000):
        if object_id.isdigit():
            approved.filter(pk=int(object_id)).update(volunteer_since=at)


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
