from django.apps import AppConfig


class PullsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pulls"
