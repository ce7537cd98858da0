"""A new password revokes every API token of its user, whatever set it: the password
change and reset pages, the admin, ``manage.py changepassword``. Django's
``AbstractBaseUser.set_password`` keeps the new raw password in ``_password`` until the
save that stores its hash; a hasher upgrade at log-in clears it first, so only a real
change counts."""
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import services


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.revoke_tokens_on_new_password")
def revoke_tokens_on_new_password(sender, instance, created: bool, **kwargs) -> None:
    if not created and getattr(instance, "_password", None) is not None:
        services.tokens_revoke_all(instance)
