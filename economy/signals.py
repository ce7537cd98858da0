"""Every user gets a wallet when the account is created, so staff can grant to anyone."""
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Wallet


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="economy.create_wallet")
def create_wallet(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        Wallet.objects.get_or_create(user=instance)
