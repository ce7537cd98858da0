"""factory-boy factories shared by every app's tests."""
import factory
from django.contrib.auth import get_user_model

from accounts import services as account_services

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def consent(user, create, extracted, **kwargs):
        if create:
            user.save()
            account_services.record_consent(user)
