from django import forms

from .services import MAX_TOKENS_PER_OPERATION

LIMIT_HELP = "Tokens; leave empty for no limit."


class SpendingLimitsForm(forms.Form):
    tokens_per_day = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_TOKENS_PER_OPERATION, help_text=LIMIT_HELP
    )
    tokens_per_month = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_TOKENS_PER_OPERATION, help_text=LIMIT_HELP
    )
