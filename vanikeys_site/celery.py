"""The Celery app: Redis in production, kombu's filesystem transport by default."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanikeys_site.settings")

app = Celery("vanikeys")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
