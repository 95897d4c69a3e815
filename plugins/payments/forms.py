"""Checkout forms: the Vietnamese shipping address, the payment method, the booking date."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket.forms import AddToBasketForm, SimpleAddToBasketMixin
from oscar.apps.order.models import ShippingAddress
from oscar.forms.mixins import PhoneNumberMixin

from plugins.ocop.catalogue import BOOKING_DATE_OPTION
from plugins.ocop.models import local_today

from . import addresses
from .methods import COD, available_methods


class VietnameseAddressForm(PhoneNumberMixin, forms.ModelForm):
    """A shipping address in Việt Nam: recipient, phone, province, commune/ward, street.

    The commune list depends on the province. Without JavaScript the page re-renders with the
    chosen province's communes (see ``ShippingAddressView``); the choice is checked here in any
    case, because a commune chosen before the province was changed may belong to another one.
    Stored in Oscar's address fields as ``addresses`` describes.
    """

    phone_number_fields = {
        "phone_number": {"required": True, "help_text": "", "max_length": 32, "label": ""},
    }

    province = forms.ChoiceField(label=_("Province or city"))
    commune = forms.CharField(label=_("Commune or ward"), widget=forms.Select)

    class Meta:
        model = ShippingAddress
        fields = ["first_name", "phone_number", "line1", "line2", "postcode", "notes"]
        labels = {
            "first_name": _("Recipient's full name"),
            "line1": _("House number and street"),
            "line2": _("Hamlet, village or residential group"),
            "postcode": _("Postcode"),
            "notes": _("Delivery instructions"),
        }
        help_texts = {
            "line2": _("Optional, e.g. Thôn Đông, Xóm 3, Tổ dân phố 5."),
            "postcode": _("Optional."),
            "notes": _("Optional, e.g. call before delivering."),
        }

    field_order = [
        "first_name",
        "phone_number",
        "province",
        "commune",
        "line1",
        "line2",
        "postcode",
        "notes",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.country = addresses.vietnam()
        self.fields["first_name"].required = True
        self.fields["line1"].required = True
        # PhoneNumberMixin copied the model field's label and help text; ours speak of delivery.
        phone = self.fields["phone_number"]
        phone.required = True
        phone.label = _("Phone number")
        phone.help_text = _("We call this number to deliver; e.g. 0912 345 678.")
        phone.widget.input_type = "tel"
        phone.widget.attrs["autocomplete"] = "tel"
        self.fields["first_name"].widget.attrs["autocomplete"] = "name"
        self.fields["commune"].error_messages["required"] = _("Choose your commune or ward.")
        self.fields["province"].error_messages["required"] = _("Choose your province or city.")
        self.fields["province"].choices = [("", _("— Choose a province or city —"))] + list(
            addresses.province_choices()
        )
        if not self.is_bound:
            self._initial_units_from_address()
        self.fields["commune"].widget.choices = self.commune_choices()
        self.order_fields(self.field_order)

    def _initial_units_from_address(self) -> None:
        """An address already entered (in the session, or the address book) names its units;
        the selects need their codes."""
        state = self.initial.get("state", self.instance.state)
        line3 = self.initial.get("line3", self.instance.line3)
        province_code = self.initial.get("province") or addresses.province_code_for(state)
        if province_code:
            self.initial["province"] = province_code
            commune_code = self.initial.get("commune") or addresses.commune_code_for(
                province_code, line3
            )
            if commune_code:
                self.initial["commune"] = commune_code

    def selected_province_code(self) -> str | None:
        if self.is_bound:
            return self.data.get(self.add_prefix("province")) or None
        return self.initial.get("province")

    def commune_choices(self) -> list[tuple[str, str]]:
        province_code = self.selected_province_code()
        communes = addresses.commune_choices(province_code) if province_code else ()
        if not communes:
            return [("", _("— Choose the province first —"))]
        return [("", _("— Choose a commune or ward —"))] + list(communes)

    def clean_commune(self) -> str:
        code = self.cleaned_data["commune"]
        if addresses.commune_by_code(code) is None:
            raise forms.ValidationError(_("Choose your commune or ward from the list."))
        return code

    def clean(self):
        cleaned = super().clean()
        province = addresses.province_by_code(cleaned.get("province"))
        commune = addresses.commune_by_code(cleaned.get("commune"))
        if province and commune:
            if commune.province_code != province.code:
                self.add_error(
                    "commune",
                    _(
                        "%(commune)s is not in %(province)s. Choose a commune or ward of "
                        "%(province)s."
                    )
                    % {"commune": commune.name, "province": province.name},
                )
            else:
                self.instance.state = province.name
                self.instance.line3 = commune.name
                self.instance.line4 = ""
        return cleaned


class PaymentMethodForm(forms.Form):
    method = forms.ChoiceField(label=_("Payment method"), widget=forms.RadioSelect, initial=COD)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.methods = available_methods()
        self.fields["method"].choices = [(m.code, m.name) for m in self.methods]
        self.fields["method"].error_messages["invalid_choice"] = _(
            "This payment method is not available. Choose another one."
        )


class BookingDateInput(forms.DateInput):
    """The phone's own date picker (``<input type="date">``, an ISO value) that also reads the
    three selects Oscar's stock add-to-basket form renders for a date option, so a page still
    rendering Oscar's form posts a date this form understands."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if value:
            return value
        return forms.SelectDateWidget().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return super().value_omitted_from_data(
            data, files, name
        ) and forms.SelectDateWidget().value_omitted_from_data(data, files, name)


class BookingAddToBasketForm(AddToBasketForm):
    """Oscar's add-to-basket form, with the booking date of a tourism service as a date picker
    that starts at today: required (the option says so) and today or later in Việt Nam."""

    def _add_option_field(self, product, option):
        if option.code != BOOKING_DATE_OPTION:
            return super()._add_option_field(product, option)
        today = local_today()
        self.fields[option.code] = forms.DateField(
            label=option.name,
            required=option.required,
            help_text=option.help_text,
            initial=today,
            widget=BookingDateInput(attrs={"min": today.isoformat()}),
            error_messages={
                "required": _("Choose the date you will use the service."),
                "invalid": _("The booking date is not a valid date."),
            },
        )

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get(BOOKING_DATE_OPTION)
        if BOOKING_DATE_OPTION in self.fields and day and day < local_today():
            self.add_error(
                BOOKING_DATE_OPTION,
                _("The booking date %(date)s has passed; choose today or a later day.")
                % {"date": day.strftime("%d/%m/%Y")},
            )
        return cleaned


class SimpleBookingAddToBasketForm(SimpleAddToBasketMixin, BookingAddToBasketForm):
    """The quantity-less variant, as Oscar pairs ``SimpleAddToBasketForm`` with its form."""
