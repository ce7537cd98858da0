"""The pattern form of /app: parses the browser's fields into a PatternSpec."""
from django import forms

from core.exceptions import BadRequest
from patterns.engine import ANCHORS, FORMATS, MODES, PatternSpec

FORMAT_CHOICES = [(fmt.name, fmt.label) for fmt in FORMATS.values()]
ANCHOR_LABELS = {"anywhere": "anywhere", "prefix": "at the start", "suffix": "at the end"}
MODE_LABELS = {"words": "words", "regex": "regular expression"}
ANCHOR_CHOICES = [(anchor, ANCHOR_LABELS.get(anchor, anchor)) for anchor in ANCHORS]
MODE_CHOICES = [(mode, MODE_LABELS.get(mode, mode)) for mode in MODES]


class PatternForm(forms.Form):
    pattern = forms.CharField(max_length=400, widget=forms.TextInput(attrs={"placeholder": "GO BE AWE SOME", "autocomplete": "off", "spellcheck": "false"}))
    format = forms.ChoiceField(choices=FORMAT_CHOICES, initial="did:key")
    anchor = forms.ChoiceField(choices=ANCHOR_CHOICES, initial="anywhere")
    mode = forms.ChoiceField(choices=MODE_CHOICES, initial="words")
    case_insensitive = forms.BooleanField(required=False, label="case-insensitive")
    fuzzy = forms.BooleanField(required=False, label="fuzzy (0↔O, 1↔l, 3↔E …)")

    def to_spec(self) -> PatternSpec:
        return PatternSpec.from_mapping(self.cleaned_data)

    def spec_or_raise(self) -> PatternSpec:
        """The spec, or BadRequest naming the first field that does not parse."""
        if not self.is_valid():
            field, messages = next(iter(self.errors.items()))
            raise BadRequest(f"{field}: {messages[0]}")
        return self.to_spec()
