import uuid

from django.db import migrations


def fill(apps, schema_editor):
    Pull = apps.get_model("pulls", "Pull")
    for pk in Pull.objects.filter(public_id__isnull=True).values_list("pk", flat=True).iterator():
        Pull.objects.filter(pk=pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("pulls", "0002_pull_public_id")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
