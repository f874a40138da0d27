"""The complaint models move here from the suppliers app. Their tables stay where they are
(`suppliers_complaint`, `suppliers_complaintphoto`, `suppliers_complaintstep`, with their index and
constraint names): this migration only tells Django's state about them, then renames the content
types (and the supplier score events' links) from suppliers to complaints, so nothing is lost.
suppliers.0003 then drops the models from the suppliers app's state, again without touching a table."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ("complaint", "complaintphoto", "complaintstep")


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    # A supplier's score events name the upheld complaint they came from by its model label.
    ScoreEvent = apps.get_model("suppliers", "ScoreEvent")
    ScoreEvent.objects.filter(link_type=f"{old}.complaint").update(link_type=f"{new}.complaint")


def forwards(apps, schema_editor):
    _relabel(apps, "suppliers", "complaints")


def backwards(apps, schema_editor):
    _relabel(apps, "complaints", "suppliers")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('demands', '0004_volunteer_area'),
        ('ledger', '0005_set_based_currency_check'),
        ('orgs', '0004_bankrules_demand_rules'),
        ('suppliers', '0002_order_missed_settlement_void_complaint_outcomes_application'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Complaint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('subject', models.CharField(choices=[('supplier', 'A supplier'), ('volunteer', 'A volunteer'), ('record', 'A service record')], max_length=10, verbose_name='about')),
                        ('category', models.CharField(choices=[('quality', 'Quality of service'), ('attitude', 'Attitude'), ('late', 'Late or did not come'), ('price', 'Price or coins'), ('safety', 'Safety'), ('other', 'Other')], max_length=10, verbose_name='category')),
                        ('severity', models.CharField(choices=[('minor', 'Minor'), ('major', 'Major'), ('serious', 'Serious')], default='minor', max_length=8, verbose_name='severity')),
                        ('text', models.TextField(verbose_name='what happened')),
                        ('status', models.CharField(choices=[('received', 'Received'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('investigating', 'Investigating'), ('resolved', 'Resolved')], default='received', max_length=14, verbose_name='status')),
                        ('due_at', models.DateTimeField(verbose_name='due')),
                        ('escalations', models.PositiveSmallIntegerField(default=0)),
                        ('reject_reason', models.CharField(blank=True, max_length=300)),
                        ('outcome', models.TextField(blank=True, verbose_name='outcome')),
                        ('upheld', models.BooleanField(null=True)),
                        ('volunteer_suspended', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('accepted_at', models.DateTimeField(blank=True, null=True)),
                        ('resolved_at', models.DateTimeField(blank=True, null=True)),
                        ('assignment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='demands.assignment')),
                        ('bank', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.node')),
                        ('complainant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints_filed', to=settings.AUTH_USER_MODEL)),
                        ('correction', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.correctionrequest')),
                        ('filed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('node', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.node')),
                        ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.supplierorder')),
                        ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('owner_node', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.node')),
                        ('supplier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='suppliers.supplier')),
                        ('volunteer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'suppliers_complaint',
                        'ordering': ['due_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ComplaintPhoto',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('image', models.ImageField(upload_to='complaints/%Y/%m/')),
                        ('content_type', models.CharField(max_length=40)),
                        ('size', models.PositiveIntegerField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='photos', to='complaints.complaint')),
                    ],
                    options={
                        'db_table': 'suppliers_complaintphoto',
                    },
                ),
                migrations.CreateModel(
                    name='ComplaintStep',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=20)),
                        ('to_status', models.CharField(choices=[('received', 'Received'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('investigating', 'Investigating'), ('resolved', 'Resolved')], max_length=14)),
                        ('due_at', models.DateTimeField(blank=True, null=True)),
                        ('note', models.CharField(blank=True, max_length=500)),
                        ('at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='steps', to='complaints.complaint')),
                        ('owner_node', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.node')),
                    ],
                    options={
                        'db_table': 'suppliers_complaintstep',
                        'ordering': ['at', 'id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['status', 'due_at'], name='suppliers_complaint_due'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
