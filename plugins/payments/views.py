"""Oscar's checkout with Vietnamese addresses, booking dates, cash on delivery and Stripe cards.

Only the views that need to change are subclassed; ``urls`` mounts them on Oscar's own paths
ahead of Oscar, so every ``checkout:*`` and ``basket:*`` URL name keeps working.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django import http
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.csrf import csrf_exempt
from oscar.apps.basket import views as basket_views
from oscar.apps.checkout import views as checkout_views
from oscar.apps.checkout.exceptions import FailedPreCondition
from oscar.apps.order.models import Order
from oscar.apps.payment.exceptions import UnableToTakePayment
from oscar.apps.payment.models import Source

from . import addresses, statuses, stripe_gateway, webhooks
from .forms import BookingAddToBasketForm, PaymentMethodForm, VietnameseAddressForm
from .methods import CARD, COD, card_payments_enabled, method_by_code, source_type

logger = logging.getLogger(__name__)


class BasketAddView(basket_views.BasketAddView):
    form_class = BookingAddToBasketForm


class ShippingAddressView(checkout_views.ShippingAddressView):
    """Step 1 for baskets with goods (Oscar skips it when nothing needs shipping)."""

    form_class = VietnameseAddressForm
    template_name = "payments/checkout/shipping_address.html"

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "choose_province":
            # The no-JavaScript way to get the communes of the chosen province: show the form
            # again with what was typed, without complaining about the fields still empty.
            fields = self.form_class.base_fields
            initial = {name: request.POST.get(name, "") for name in fields}
            initial["commune"] = ""
            form = self.form_class(initial=initial)
            form.fields["commune"].widget.attrs["autofocus"] = True
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def get_available_addresses(self):
        """Address-book entries this form could have written: a current province and one of
        its communes. Others (typed in the generic address book) would ship to a unit that may
        no longer exist."""
        return [
            address
            for address in super().get_available_addresses()
            if addresses.is_current_vietnamese_address(address)
        ]


class PaymentDetailsView(checkout_views.PaymentDetailsView):
    """Step 3 (choose cash on delivery or card), step 4 (preview) and placing the order.

    The chosen method is kept in the checkout session. Cash on delivery places the order with
    a payment source of that type (amount allocated, nothing debited). Card creates a Stripe
    PaymentIntent for the order number before the order is written, places the order awaiting
    payment and sends the shopper to the card page; the webhook marks it paid.
    """

    template_name = "payments/checkout/payment_details.html"
    template_name_preview = "payments/checkout/preview.html"
    _method = None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if "payment_form" not in ctx:
            chosen = self.checkout_session.payment_method()
            ctx["payment_form"] = PaymentMethodForm(initial={"method": chosen or COD})
        ctx["payment_method"] = method_by_code(self.checkout_session.payment_method())
        return ctx

    def handle_payment_details_submission(self, request):
        form = PaymentMethodForm(request.POST)
        if not form.is_valid():
            return self.render_payment_details(request, payment_form=form)
        self.checkout_session.pay_by(form.cleaned_data["method"])
        return self.render_preview(request, payment_form=form)

    def _payment_required(self) -> bool:
        total = self.build_submission()["order_total"]
        return total is None or total.incl_tax > Decimal(0)

    def check_payment_data_is_captured(self, request):
        if request.method == "POST" and request.POST.get("action") != "place_order":
            return  # the payment form itself, validated by the handler below
        if method_by_code(self.checkout_session.payment_method()) is None:
            if self._payment_required():
                raise FailedPreCondition(
                    url=reverse("checkout:payment-details"),
                    message=_("Choose how you will pay."),
                )

    def handle_payment(self, order_number, total, **kwargs):
        if total.incl_tax <= Decimal(0):
            return
        method = method_by_code(self.checkout_session.payment_method())
        if method is None:
            raise UnableToTakePayment(_("Choose how you will pay."))
        self._method = method.code
        source = Source(
            source_type=source_type(method),
            currency=total.currency,
            amount_allocated=total.incl_tax,
        )
        if method.code == CARD:
            try:
                intent = stripe_gateway.create_payment_intent(
                    order_number=order_number,
                    basket_id=self.request.basket.id,
                    amount=total.incl_tax,
                    currency=total.currency,
                )
            except stripe_gateway.StripeUnavailable:
                raise UnableToTakePayment(
                    _(
                        "Card payment is not available right now; nothing was charged. "
                        "Try again in a moment or choose cash on delivery."
                    )
                ) from None
            source.reference = intent.id
        self.add_payment_source(source)

    def get_initial_order_status(self, basket):
        if self._method == CARD:
            return statuses.AWAITING_PAYMENT
        return statuses.AWAITING_CONFIRMATION

    def get_success_url(self):
        if self._method == CARD:
            return reverse("payments:card-payment")
        return super().get_success_url()


def _session_order(request) -> Order | None:
    """The order this browser has just placed (Oscar keeps its id in the session)."""
    order_id = request.session.get("checkout_order_id")
    return Order.objects.filter(pk=order_id).first() if order_id else None


def _card_source(order: Order) -> Source | None:
    return order.sources.filter(source_type__code=CARD).first()


class ThankYouView(checkout_views.ThankYouView):
    template_name = "payments/checkout/thank_you.html"

    def get_context_data(self, *args, **kwargs):
        ctx = super().get_context_data(*args, **kwargs)
        order = ctx["order"]
        source = _card_source(order)
        ctx["awaiting_card_payment"] = bool(source and source.amount_debited < order.total_incl_tax)
        ctx["order_paid"] = order.status == statuses.PAID
        return ctx


class CardPaymentView(generic.TemplateView):
    """Where the shopper pays a card order with Stripe.js (Payment Element) after placing it.

    Stripe.js confirms the PaymentIntent in the browser and returns to the thank-you page; the
    webhook, not this page, marks the order paid.
    """

    template_name = "payments/checkout/card_payment.html"

    def get(self, request, *args, **kwargs):
        order = _session_order(request)
        source = _card_source(order) if order else None
        if source is None or order.status == statuses.PAID:
            return redirect("checkout:thank-you")
        if not card_payments_enabled():
            return self.render_to_response(
                {"order": order, "unavailable": True, "stripe_enabled": False}
            )
        try:
            intent = stripe_gateway.retrieve_payment_intent(source.reference)
        except stripe_gateway.StripeUnavailable:
            return self.render_to_response(
                {"order": order, "unavailable": True, "stripe_enabled": False}
            )
        if intent.status in ("succeeded", "processing"):
            return redirect("checkout:thank-you")
        return self.render_to_response(
            {
                "order": order,
                "stripe_enabled": True,
                "stripe_config": {
                    "publishableKey": settings.STRIPE_PUBLISHABLE_KEY,
                    "clientSecret": intent.client_secret,
                    "returnUrl": request.build_absolute_uri(reverse("checkout:thank-you")),
                    "locale": request.LANGUAGE_CODE,
                },
            }
        )


@method_decorator(csrf_exempt, name="dispatch")
class StripeWebhookView(generic.View):
    """``POST /payments/stripe/webhook/``: Stripe's events, verified by signature."""

    def post(self, request, *args, **kwargs):
        try:
            outcome = webhooks.handle_webhook(request.body, request.headers.get("Stripe-Signature"))
        except webhooks.InvalidWebhook as exc:
            logger.warning(
                "Stripe webhook rejected (400) from %s: %s", request.META.get("REMOTE_ADDR"), exc
            )
            return http.HttpResponseBadRequest(f"Invalid Stripe webhook: {exc}")
        return http.JsonResponse(
            {
                "event": outcome.event_id,
                "type": outcome.type,
                "duplicate": not outcome.first_delivery,
                "processed": outcome.processed,
            }
        )
