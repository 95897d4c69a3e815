"""Forms of the certificate pages: a producer uploads a scan or asks for a certification
change; staff approve or reject. Certification values are read by the importer's parsers, so a
change request accepts exactly what a certificate list may say, with the same messages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import parsing
from ..models import (
    MIN_CERTIFIED_STARS,
    VALIDITY_MONTHS,
    Certificate,
    OcopProduct,
    add_months,
    local_today,
)
from ..uploads import check_scan, human_size, max_scan_bytes


def _scan_field(label, required: bool = True) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=required,
        help_text=_("A PDF, or a JPEG, PNG or WebP image, up to %(limit)s.")
        % {"limit": human_size(max_scan_bytes())},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )


def _clean_scan(upload):
    if upload:
        check_scan(upload)
    return upload


class ScanUploadForm(forms.Form):
    """Attach a scan to one of the producer's certificates."""

    certificate = forms.ModelChoiceField(
        label=_("Certificate"), queryset=Certificate.objects.none()
    )

    def __init__(self, *args, certificates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].queryset = certificates
        self.fields["certificate"].label_from_instance = lambda c: (
            f"{c.product.name} – {c.stars}★ {c.decision_number or ''} ({c.decision_date:%d/%m/%Y})"
        )
        self.fields["scan"] = _scan_field(_("Scan of the certificate"))

    def clean_scan(self):
        return _clean_scan(self.cleaned_data.get("scan"))


class ChangeRequestForm(forms.Form):
    """What the producer asks to change, in the words of a certificate list, with the scan."""

    product = forms.ModelChoiceField(label=_("Product"), queryset=OcopProduct.objects.none())
    stars = forms.CharField(label=_("Stars"), max_length=20, help_text=_("e.g. 4, “4 sao” or ★★★★"))
    score = forms.CharField(label=_("Score (out of 100)"), max_length=10, required=False)
    decision_number = forms.CharField(
        label=_("Decision number"), max_length=100, help_text=_("e.g. 1234/QĐ-UBND")
    )
    decision_date = forms.CharField(
        label=_("Decision date"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy"}),
    )
    valid_until = forms.CharField(
        label=_("Valid until"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy"}),
        help_text=_("Leave empty for 36 months from the decision date."),
    )
    note = forms.CharField(
        label=_("Note for the department"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, products, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or local_today()
        self.fields["product"].queryset = products
        self.fields["scan"] = _scan_field(_("Scan of the decision"))

    def clean_stars(self) -> int:
        text = self.cleaned_data["stars"]
        try:
            stars = parsing.parse_stars(text)
        except parsing.CellError as exc:
            raise forms.ValidationError(exc.message, code=exc.code.value) from None
        if stars < MIN_CERTIFIED_STARS:
            raise forms.ValidationError(
                f"Quyết định 148/QĐ-TTg công nhận từ 3 đến 5 sao, không phải {stars} sao "
                f"(new decisions rank 3–5 stars).",
                code="invalid_stars",
            )
        return stars

    def clean_score(self) -> int | None:
        try:
            return parsing.parse_score(self.cleaned_data["score"])
        except parsing.CellError as exc:
            raise forms.ValidationError(exc.message, code=exc.code.value) from None

    def clean_decision_number(self) -> str:
        text = self.cleaned_data["decision_number"]
        number = parsing.find_decision_number(text)
        if not number:
            raise forms.ValidationError(
                f"Không đọc được số quyết định “{text}”; ghi như “1234/QĐ-UBND” "
                f"(not a decision number).",
                code="invalid_decision_number",
            )
        return number

    def _date(self, name: str) -> dt.date | None:
        text = self.cleaned_data[name]
        if not text:
            return None
        try:
            parsed = parsing.find_date(text)
        except parsing.CellError as exc:
            raise forms.ValidationError(exc.message, code=exc.code.value) from None
        if parsed is None or parsed.year_only:
            raise forms.ValidationError(
                f"Không đọc được ngày “{text}”; ghi dd/mm/yyyy (not a date).",
                code="invalid_date",
            )
        return parsed

    def clean_decision_date(self) -> dt.date:
        parsed = self._date("decision_date")
        try:
            parsing.check_decision_date(parsed, self.today, self.cleaned_data["decision_date"])
        except parsing.CellError as exc:
            raise forms.ValidationError(exc.message, code=exc.code.value) from None
        return parsed.date

    def clean_valid_until(self) -> dt.date | None:
        parsed = self._date("valid_until")
        return parsed.date if parsed else None

    def clean_scan(self):
        return _clean_scan(self.cleaned_data.get("scan"))

    def clean(self):
        data = super().clean()
        stars, score, decided = data.get("stars"), data.get("score"), data.get("decision_date")
        if stars and score is not None:
            try:
                parsing.check_score_matches_stars(score, stars)
            except parsing.CellError as exc:
                self.add_error("score", forms.ValidationError(exc.message, code=exc.code.value))
        if decided and "valid_until" in data:
            longest = add_months(decided, VALIDITY_MONTHS)
            until = data["valid_until"] or longest
            if not decided < until <= longest:
                self.add_error(
                    "valid_until",
                    forms.ValidationError(
                        f"Hiệu lực phải sau ngày quyết định và tối đa 36 tháng, tức đến "
                        f"{longest:%d/%m/%Y} (a certificate is valid for at most 36 months "
                        f"from its decision).",
                        code="invalid_validity",
                    ),
                )
            data["valid_until"] = until
        product = data.get("product")
        current = product.current_certificate if product else None
        if current and not self.errors:
            asked = (stars, score, data["decision_number"], decided, data["valid_until"])
            held = (
                current.stars,
                current.score,
                current.decision_number,
                current.decision_date,
                current.valid_until,
            )
            if asked == held:
                raise forms.ValidationError(
                    "Thông tin này giống hệt chứng nhận hiện tại; không có gì để thay đổi "
                    "(this is what the current certificate already says).",
                    code="no_change",
                )
        return data


class ReviewForm(forms.Form):
    """Staff decide a change request; a rejection must say why."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment for the producer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("comment", "").strip():
            self.add_error(
                "comment",
                forms.ValidationError(
                    "Hãy ghi lý do từ chối cho chủ thể (give the producer the reason).",
                    code="reason_required",
                ),
            )
        return data
