"""How every Django form on the site renders: label, input, then that field's own error
(announced, and tied to its input by aria-describedby), then help — the same markup for
our forms and allauth's, styled by the one stylesheet."""

from __future__ import annotations

from django.forms import BoundField
from django.forms.renderers import TemplatesSetting


class AccessibleBoundField(BoundField):
    """A field whose input names its error message, so screen readers read it with the input."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and self.auto_id:
            described = [attrs.get("aria-describedby"), f"{self.auto_id}_error"]
            attrs["aria-describedby"] = " ".join(part for part in described if part)
        return attrs


class SiteFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = AccessibleBoundField
