"""The history page's filters."""
from django import forms


class HistoryFilterForm(forms.Form):
    min_score = forms.IntegerField(required=False, min_value=0, max_value=8)
    jackpot = forms.TypedChoiceField(
        required=False, choices=[(value, value) for value in ("1", "true", "yes")], coerce=lambda value: True
    )

    @classmethod
    def filters_from(cls, query) -> dict:
        """?min_score= and ?jackpot= from a query string; values that don't parse are ignored."""
        form = cls(query)
        form.is_valid()
        filters = {}
        if form.cleaned_data.get("min_score") is not None:
            filters["min_score"] = form.cleaned_data["min_score"]
        if form.cleaned_data.get("jackpot"):
            filters["jackpot"] = True
        return filters
