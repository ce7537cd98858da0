"""Django admin: staff find users and API tokens by the public id the API and URLs show."""
import pytest
from django.urls import reverse

from tests.factories import ApiTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model, make", [("user", UserFactory), ("apitoken", ApiTokenFactory)])
def test_staff_find_one_by_its_public_id_and_see_it_read_only(admin_client, model, make):
    wanted, _ = make(), make()

    found = admin_client.get(reverse(f"admin:accounts_{model}_changelist"), {"q": str(wanted.public_id)})
    page = admin_client.get(reverse(f"admin:accounts_{model}_change", args=[wanted.pk]))

    assert list(found.context["cl"].result_list) == [wanted]
    assert str(wanted.public_id) in page.content.decode()
    assert "public_id" not in page.context["adminform"].form.fields
