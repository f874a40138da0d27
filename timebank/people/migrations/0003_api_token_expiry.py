"""ApiToken.expires_at and password_stamp. Tokens made before get the default lifetime from now and the
stamp of their person's current password, so that a later password change ends them too."""
import datetime as dt
import hashlib

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def backfill(apps, schema_editor):
    ApiToken = apps.get_model("people", "ApiToken")
    expires = timezone.now() + dt.timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    for token in ApiToken.objects.select_related("person").iterator():
        token.expires_at = expires
        token.password_stamp = hashlib.sha256(b"timebank-token-stamp:" + token.person.password.encode()).hexdigest()
        token.save(update_fields=["expires_at", "password_stamp"])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_volunteer_since"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expires at"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="password_stamp",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
