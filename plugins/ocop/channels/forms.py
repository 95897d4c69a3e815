"""Forms of the channel-tracking pages: producers declaring a presence, staff reviewing and
entering presences and activity, the channel registry, and the report's filters."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from ..groups import GROUPS
from ..models import (
    Channel,
    ChannelKind,
    OcopProduct,
    Producer,
    ProducerType,
    Verification,
)
from ..text import slugify
from .participation import DEFAULT_WINDOW_DAYS
from .registry import channel_key

#: Image formats accepted as evidence (screenshots, photos of a shelf or a contract).
EVIDENCE_IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
PDF_MAGIC = b"%PDF-"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
        **kwargs,
    )


def check_evidence_file(upload):
    """Accept an image or a PDF judged by its content, not its name, within the size limit.

    The stored name gets the extension of what the file really is, so a renamed executable
    cannot come back as an image and a PDF is always served as a PDF.
    """
    limit = settings.OCOP_EVIDENCE_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    not_evidence = forms.ValidationError(
        _("“%(name)s” is not an image (JPEG, PNG, WebP, GIF) or a PDF file."),
        code="not_image_or_pdf",
        params={"name": upload.name},
    )
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head == PDF_MAGIC:
        extension = "pdf"
    else:
        try:
            with Image.open(upload) as image:
                image.verify()
                extension = EVIDENCE_IMAGE_FORMATS.get(image.format)
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombError,
        ):
            raise not_evidence from None
        finally:
            upload.seek(0)
        if extension is None:
            raise not_evidence
    stem = slugify(PurePath(upload.name).stem)[:80] or "evidence"
    upload.name = f"{stem}.{extension}"
    return upload


class EvidenceFields(forms.Form):
    """The evidence a presence rests on: at least one of a listing, a contract or a file."""

    listing_url = forms.URLField(
        label=_("Listing URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("The product page or shop page on the channel."),
    )
    contract_number = forms.CharField(
        label=_("Supply contract number"), required=False, max_length=100
    )
    evidence_file = forms.FileField(label=_("Evidence (image or PDF)"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_file"].help_text = _(
            "A screenshot, a photo or a scanned contract, up to %(limit)s."
        ) % {"limit": filesizeformat(settings.OCOP_EVIDENCE_MAX_UPLOAD_BYTES)}

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        return check_evidence_file(upload) if upload else upload

    def clean(self):
        data = super().clean()
        evidence = ("listing_url", "contract_number", "evidence_file")
        if not self.errors and not any(data.get(name) for name in evidence):
            raise forms.ValidationError(
                _("Give some evidence: a listing URL, a contract number or a file."),
                code="no_evidence",
            )
        return data

    def evidence(self) -> dict:
        return {
            name: self.cleaned_data.get(name) or ("" if name != "evidence_file" else None)
            for name in ("listing_url", "contract_number", "evidence_file", "note")
        }


class PresenceDeclarationForm(EvidenceFields):
    """A producer declares that it sells on a channel (kê khai kênh bán hàng)."""

    field_order = ["producer", "channel"]

    producer = forms.ModelChoiceField(label=_("Producer"), queryset=Producer.objects.none())
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.all())

    def __init__(self, *args, producers, only_one: bool, **kwargs):
        """``producers`` are the user's own; with ``only_one`` the choice is not shown."""
        super().__init__(*args, **kwargs)
        field = self.fields["producer"]
        field.queryset = producers
        field.empty_label = None
        if only_one:
            field.widget = forms.HiddenInput()
            field.required = False

    def clean_producer(self):
        producer = self.cleaned_data.get("producer")
        if producer is None and isinstance(self.fields["producer"].widget, forms.HiddenInput):
            producer = self.fields["producer"].queryset.first()
        return producer


class AddEvidenceForm(EvidenceFields):
    """More evidence for an existing presence."""


class StaffPresenceForm(EvidenceFields):
    """Staff enter a producer's presence (nhập kênh bán hàng), optionally verifying it."""

    field_order = ["producer", "channel"]

    producer = forms.ModelChoiceField(label=_("Producer"), queryset=Producer.objects.all())
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.all())
    verify_now = forms.BooleanField(
        label=_("I have checked the evidence: verify now"), required=False
    )


class ReviewForm(forms.Form):
    """Verify or reject a presence; a rejection says why."""

    VERIFY = "verify"
    REJECT = "reject"

    decision = forms.ChoiceField(
        choices=[(VERIFY, _("Verify")), (REJECT, _("Reject"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REJECT and not data.get("note", "").strip():
            self.add_error("note", _("Say why the presence is rejected."))
        return data

    @property
    def verified(self) -> bool:
        return self.cleaned_data["decision"] == self.VERIFY


class StaffActivityForm(forms.Form):
    """A dated sales event on a channel entered by staff (nhập hoạt động bán hàng)."""

    producer = forms.ModelChoiceField(label=_("Producer"), queryset=Producer.objects.all())
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.all())
    date = _date_field(_("Date"))
    orders = forms.IntegerField(label=_("Orders"), required=False, min_value=0)
    revenue = forms.DecimalField(
        label=_("Revenue (VND)"), required=False, min_value=0, max_digits=18, decimal_places=0
    )
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=OcopProduct.objects.select_related("producer"),
        required=False,
    )
    evidence_url = forms.URLField(
        label=_("Evidence URL"), required=False, max_length=500, assume_scheme="https"
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > self.today:
            raise forms.ValidationError(_("The date is in the future."), code="future_date")
        return date

    def clean(self):
        data = super().clean()
        product, producer = data.get("product"), data.get("producer")
        if product and producer and product.producer_id != producer.pk:
            self.add_error("product", _("This product belongs to another producer."))
        return data


class ChannelForm(forms.ModelForm):
    """Add a channel to the registry; a name that matches an existing channel is refused."""

    MODERN_FROM_KIND = ""
    modern = forms.TypedChoiceField(
        label=_("Modern channel"),
        choices=[
            (MODERN_FROM_KIND, _("As its kind says")),
            ("1", _("Yes")),
            ("0", _("No")),
        ],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Channel
        fields = ["name", "kind", "website"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        match_key = channel_key(name)
        if not match_key:
            raise forms.ValidationError(_("The name needs letters or digits."), code="empty_key")
        existing = Channel.objects.filter(match_key=match_key).first()
        if existing:
            raise forms.ValidationError(
                _("“%(name)s” is already in the registry as “%(existing)s”."),
                code="duplicate",
                params={"name": name, "existing": existing.name},
            )
        self.instance.match_key = match_key
        return name

    def clean(self):
        data = super().clean()
        kind, modern = data.get("kind"), data.get("modern")
        if kind:
            self.instance.is_modern = (
                (kind != ChannelKind.TRADITIONAL) if modern is None else modern
            )
        return data

    def save(self, commit=True):
        channel = super().save(commit=False)
        channel.slug = _free_slug(slugify(channel.name)[:50] or "channel")
        if commit:
            channel.save()
        return channel


def _free_slug(base: str) -> str:
    taken = set(
        Channel.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-")).values_list(
            "slug", flat=True
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base[: 50 - len(str(n)) - 1]}-{n}"
    return slug


def district_choices() -> list[tuple[str, str]]:
    """The 2024 districts producers are in (the units the plan's targets speak of)."""
    rows = (
        Producer.objects.exclude(legacy_district_code="")
        .values_list("legacy_district_code", "legacy_district")
        .order_by("legacy_district")
        .distinct()
    )
    seen: dict[str, str] = {}
    for code, name in rows:
        seen.setdefault(code, name)
    return [("", _("All districts")), *seen.items()]


class PresenceFilterForm(forms.Form):
    verification = forms.ChoiceField(
        label=_("Verification"),
        required=False,
        choices=[("", _("All states")), *Verification.choices],
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        required=False,
        queryset=Channel.objects.all(),
        empty_label=_("All channels"),
    )
    district = forms.ChoiceField(label=_("District (2024)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = district_choices()


class ReportFilterForm(forms.Form):
    """The report's filters (GET): the date, the window and which producers are counted."""

    as_of = _date_field(_("As of"), required=False)
    window_days = forms.IntegerField(
        label=_("Window (days)"), required=False, min_value=1, max_value=3660
    )
    district = forms.ChoiceField(label=_("District (2024)"), required=False)
    group = forms.TypedChoiceField(
        label=_("Product group"), required=False, coerce=int, empty_value=None
    )
    type = forms.ChoiceField(
        label=_("Producer type"),
        required=False,
        choices=[("", _("All types")), *ProducerType.choices],
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["as_of"].initial = today
        self.fields["window_days"].initial = DEFAULT_WINDOW_DAYS
        self.fields["district"].choices = district_choices()
        self.fields["group"].choices = [
            ("", _("All groups")),
            *((g.code, f"{g.code}. {g.name_vi}") for g in GROUPS),
        ]

    def filters(self) -> dict:
        """The report's arguments; a missing or invalid value falls back to its default (the
        form shows the error) without dropping the other filters."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "as_of": data.get("as_of") or self.today,
            "window_days": data.get("window_days") or DEFAULT_WINDOW_DAYS,
            "district_code": data.get("district") or "",
            "group_code": data.get("group"),
            "producer_type": data.get("type") or "",
        }
