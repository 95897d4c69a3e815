from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .client import normalize_api_url
from .models import AllowedSaleorApi, SaleorConnection


class AllowApiUrlForm(forms.Form):
    api_url = forms.CharField(
        label=_("Saleor API URL"),
        max_length=500,
        help_text=_("The store's GraphQL endpoint, e.g. https://shop.example/graphql/."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_api_url(self) -> str:
        try:
            api_url = normalize_api_url(self.cleaned_data["api_url"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if AllowedSaleorApi.objects.filter(api_url=api_url).exists():
            raise forms.ValidationError(_("%(url)s is allowed already.") % {"url": api_url})
        return api_url


class PublishForm(forms.Form):
    connection = forms.ModelChoiceField(
        label=_("Store"), queryset=SaleorConnection.objects.active(), empty_label=None
    )
    channel_slug = forms.SlugField(
        label=_("Saleor channel"),
        required=False,
        help_text=_("Empty: every channel of the store in VND."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: show what would change, change nothing"), required=False
    )
