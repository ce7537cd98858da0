"""The confirm step's one extra field: the price the user was shown."""
from django import forms

from economy.services import MAX_TOKENS_PER_OPERATION


class ConfirmedPriceForm(forms.Form):
    price_tokens = forms.IntegerField(min_value=1, max_value=MAX_TOKENS_PER_OPERATION)
