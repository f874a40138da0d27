"""ProxyLink.confirmed_at / confirmed_by: a link staff ask for waits for the elder's (or a second staff
member's) confirmation before the proxy may act. Links that exist already stay in force, confirmed when
they were made (nobody is recorded as confirming them)."""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def keep_existing_links_in_force(apps, schema_editor):
    ProxyLink = apps.get_model("people", "ProxyLink")
    ProxyLink.objects.update(confirmed_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_volunteer_since"),
    ]

    operations = [
        migrations.AddField(
            model_name="proxylink",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True),
        ),
        migrations.AddField(
            model_name="proxylink",
            name="confirmed_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(keep_existing_links_in_force, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="proxylink",
            constraint=models.CheckConstraint(
                condition=models.Q(("confirmed_by__isnull", True), models.Q(
                    models.Q(("confirmed_by", models.F("proxy")), _negated=True),
                    models.Q(models.Q(("confirmed_by", models.F("created_by")), _negated=True),
                             ("confirmed_by", models.F("elder")), _connector="OR")), _connector="OR"),
                name="people_proxy_confirmed_by_another"),
        ),
    ]
