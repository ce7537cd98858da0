# A public id for each pull, in three steps (add nullable, fill, make unique) so that rows
# already there each get their own UUID; each step is its own transaction.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pulls", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="pull",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
    ]
