"""Give every existing bank the standard service catalogue (new banks get it when created)."""
from django.db import migrations

from timebank.demands.catalogue import SEED_TYPES


def seed(apps, schema_editor):
    Node = apps.get_model("orgs", "Node")
    ServiceType = apps.get_model("demands", "ServiceType")
    for bank in Node.objects.filter(kind="bank"):
        have = set(ServiceType.objects.filter(bank=bank).values_list("code", flat=True))
        ServiceType.objects.bulk_create([
            ServiceType(bank=bank, code=code, name=name, name_en=name_en, category=category, mode=mode,
                        default_minutes=minutes, rate_percent=rate, required_certificate=cert)
            for code, name, name_en, category, mode, minutes, rate, cert in SEED_TYPES if code not in have
        ])


class Migration(migrations.Migration):
    dependencies = [("demands", "0001_initial"), ("orgs", "0004_bankrules_demand_rules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
