from django import forms

LIMIT_HELP = "Tokens; leave empty for no limit."


class SpendingLimitsForm(forms.Form):
    tokens_per_day = forms.IntegerField(required=False, min_value=0, max_value=1_000_000_000, help_text=LIMIT_HELP)
    tokens_per_month = forms.IntegerField(required=False, min_value=0, max_value=1_000_000_000, help_text=LIMIT_HELP)
