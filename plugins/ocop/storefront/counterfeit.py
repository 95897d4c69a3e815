"""Shoppers' reports of suspected counterfeit OCOP goods (báo cáo nghi hàng giả), from a
product's traceability page to the Department of Industry and Trade's dashboard.

``submit_report`` is the one way a report is made; the traceability page's form feeds it and the
session-based limit keeps one visitor from flooding the department's list.
"""

from __future__ import annotations

import time
import uuid

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from ..models import CounterfeitReport, OcopProduct

#: Photo formats accepted (what phone cameras and screenshots produce) and their extensions.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
#: A visitor may send this many reports per window (a naive limit kept in the session).
REPORTS_PER_WINDOW = 5
WINDOW_SECONDS = 3600
_SESSION_KEY = "ocop_counterfeit_reports"
#: Photos above this size are refused.
PHOTO_MAX_BYTES = 5 * 1024 * 1024


class CounterfeitReportForm(forms.ModelForm):
    """The short form on the traceability page: where, what looks wrong, optionally who and a
    photo. The photo is accepted only when Pillow reads it as an image."""

    class Meta:
        model = CounterfeitReport
        fields = ["where_seen", "description", "reporter_name", "reporter_contact", "photo"]
        widgets = {
            "where_seen": forms.TextInput(
                attrs={"placeholder": _("e.g. a stall at Phủ Lý market, a Shopee shop")}
            ),
            "description": forms.Textarea(
                attrs={
                    "rows": 3,
                    "placeholder": _("e.g. the stamp does not scan, the label differs"),
                }
            ),
        }
        labels = {
            "where_seen": _("Where did you see or buy it?"),
            "description": _("What looks wrong?"),
            "reporter_name": _("Your name (optional)"),
            "reporter_contact": _("Phone or email (optional)"),
            "photo": _("Photo (optional)"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A plain file input: Django's ImageField would open the file before our check does
        # and answer with its own generic message.
        self.fields["photo"] = forms.FileField(
            label=_("Photo (optional)"),
            required=False,
            help_text=_("A JPEG, PNG, WebP or GIF image up to %(limit)s.")
            % {"limit": filesizeformat(PHOTO_MAX_BYTES)},
            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        )

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        limit = PHOTO_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The photo is %(size)s; the limit is %(limit)s."),
                code="too_large",
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            )
        not_image = forms.ValidationError(
            _("“%(name)s” is not a photo: send a JPEG, PNG, WebP or GIF image."),
            code="not_image",
            params={"name": upload.name},
        )
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                image.verify()
                extension = PHOTO_FORMATS.get(image.format)
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombError,
        ):
            raise not_image from None
        finally:
            upload.seek(0)
        if extension is None:
            raise not_image
        # A random name: media URLs are not access-controlled and the photo may show people.
        upload.name = f"{uuid.uuid4().hex}.{extension}"
        return upload


def _recent(session, now: float) -> list[float]:
    return [t for t in session.get(_SESSION_KEY, []) if now - t < WINDOW_SECONDS]


def may_report(session, now: float | None = None) -> bool:
    """Whether this visitor's session may send another report now."""
    now = time.time() if now is None else now
    return len(_recent(session, now)) < REPORTS_PER_WINDOW


def submit_report(form: CounterfeitReportForm, product: OcopProduct, session) -> CounterfeitReport:
    """Save a valid report on ``product`` and count it against the session's limit."""
    report = form.save(commit=False)
    report.product = product
    report.state = CounterfeitReport.State.NEW
    report.save()
    now = time.time()
    session[_SESSION_KEY] = [*_recent(session, now), now]
    return report


class ReportHandlingForm(forms.ModelForm):
    """Department staff move a report along (new → investigating → closed) with a note."""

    class Meta:
        model = CounterfeitReport
        fields = ["state", "staff_note"]
        widgets = {"staff_note": forms.Textarea(attrs={"rows": 4})}
        labels = {"state": _("Handling state")}
