from django import forms


class HistoryFilterForm(forms.Form):
    min_score = forms.IntegerField(required=False, min_value=0, max_value=8)
    jackpot = forms.BooleanField(required=False)
