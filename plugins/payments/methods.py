"""The payment methods a shopper can choose at checkout (phương thức thanh toán).

Cash on delivery is always offered and is the default: it is how most Vietnamese shoppers pay.
A card through Stripe is offered only when Stripe is fully configured (both API keys and the
webhook secret): without the webhook an order paid by card could never be marked paid.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from oscar.apps.payment.models import SourceType

COD = "cod"
CARD = "stripe-card"


@dataclass(frozen=True)
class PaymentMethod:
    code: str
    name: Promise
    description: Promise
    #: Name of the Oscar ``SourceType`` an order paid this way gets (stored data, Vietnamese).
    source_type_name: str


CASH_ON_DELIVERY = PaymentMethod(
    COD,
    _("Cash on delivery"),
    _("Pay in cash when the goods arrive, or when you use the booked service."),
    "Thanh toán khi nhận hàng",
)
STRIPE_CARD = PaymentMethod(
    CARD,
    _("Card (Visa, Mastercard, JCB)"),
    _("Pay now by card. The payment is handled by Stripe; we never see your card number."),
    "Thẻ thanh toán (Stripe)",
)
ALL_METHODS = (CASH_ON_DELIVERY, STRIPE_CARD)


def card_payments_enabled() -> bool:
    return bool(
        settings.STRIPE_SECRET_KEY
        and settings.STRIPE_PUBLISHABLE_KEY
        and settings.STRIPE_WEBHOOK_SECRET
    )


def available_methods() -> tuple[PaymentMethod, ...]:
    if card_payments_enabled():
        return ALL_METHODS
    return (CASH_ON_DELIVERY,)


def method_by_code(code: str | None) -> PaymentMethod | None:
    """The method ``code`` names if it is offered right now, else None."""
    return next((m for m in available_methods() if m.code == code), None)


def source_type(method: PaymentMethod) -> SourceType:
    source_type, _created = SourceType.objects.get_or_create(
        code=method.code, defaults={"name": method.source_type_name}
    )
    return source_type
