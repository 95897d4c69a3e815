"""Forms of the producer workspace's own pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from plugins.ocop.models import Producer

from .invitations import InvitationError, clean_email, find_producer


class InviteProducerUserForm(forms.Form):
    """Department staff invite a person to manage one producer's listings."""

    producer = forms.CharField(
        label=_("Producer (name or tax code)"),
        max_length=255,
        help_text=_("With or without diacritics; a part of the name is enough when it is unique."),
    )
    email = forms.CharField(label=_("Email of the person to invite"), max_length=254)

    def clean_producer(self) -> Producer:
        try:
            return find_producer(self.cleaned_data["producer"])
        except InvitationError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def clean_email(self) -> str:
        try:
            return clean_email(self.cleaned_data["email"])
        except InvitationError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
