import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pulls", "0003_fill_pull_public_id")]

    operations = [
        migrations.AlterField(
            model_name="pull",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4,
                editable=False,
                help_text="The id URLs and the API show (the integer key stays inside: it counts every pull).",
                unique=True,
            ),
        ),
    ]
