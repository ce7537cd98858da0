"""The sign-up form's extra fields: age and terms, both required."""
from django import forms
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import format_html

from . import services


def terms_label() -> str:
    return format_html(
        'I accept the <a href="{}">terms of service</a> and the <a href="{}">privacy policy</a>',
        reverse_lazy("terms"),
        reverse_lazy("privacy"),
    )


class SignupForm(forms.Form):
    confirm_age = forms.BooleanField(required=True, label="I am 18 or older")
    accept_terms = forms.BooleanField(required=True, label=lazy(terms_label, str)())

    def signup(self, request, user) -> None:
        services.user_record_consent(user)
