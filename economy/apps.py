from django.apps import AppConfig


class EconomyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "economy"
    verbose_name = "Tokens and ledger"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the wallet-per-user receiver)
