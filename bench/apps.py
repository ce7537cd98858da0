"""The load test's grant on sign-up (bench/load_settings.py only; never in the real site)."""
from django.apps import AppConfig
from django.db.models.signals import post_save


class LoadGrantConfig(AppConfig):
    name = "bench"
    label = "bench_load"

    def ready(self) -> None:
        from django.conf import settings

        def grant(sender, instance, created: bool, **kwargs) -> None:
            if created and settings.LOAD_GRANT_TOKENS:
                from django.db import transaction

                from economy import services

                transaction.on_commit(lambda: services.wallet_grant(
                    instance, amount=settings.LOAD_GRANT_TOKENS, reason="load test", created_by=None))

        post_save.connect(grant, sender=settings.AUTH_USER_MODEL, weak=False, dispatch_uid="bench.load_grant")
