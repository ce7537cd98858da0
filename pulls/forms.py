from django import forms


class HistoryFilterForm(forms.Form):
    min_score = forms.IntegerField(required=False, min_value=0, max_value=8)
    jackpot = forms.TypedChoiceField(
        required=False, choices=[(value, value) for value in ("1", "true", "yes")], coerce=lambda value: True
    )
