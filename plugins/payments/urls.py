"""Checkout and payment URLs, mounted before Oscar's in ``ocop_market/urls.py``.

The checkout and basket patterns sit on Oscar's own paths: ``reverse("checkout:preview")``
still gives ``/checkout/preview/``, and that path now resolves here first.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.urls import path

from . import payout_views, views

app_name = "payments"


def _checkout(view):
    """Oscar's rule for its checkout views: sign-in required unless guests may check out."""
    return view if settings.OSCAR_ALLOW_ANON_CHECKOUT else login_required(view)


urlpatterns = [
    path("basket/add/<int:pk>/", views.BasketAddView.as_view(), name="basket-add"),
    path(
        "checkout/shipping-address/",
        _checkout(views.ShippingAddressView.as_view()),
        name="shipping-address",
    ),
    path(
        "checkout/payment-details/",
        _checkout(views.PaymentDetailsView.as_view()),
        name="payment-details",
    ),
    path(
        "checkout/preview/",
        _checkout(views.PaymentDetailsView.as_view(preview=True)),
        name="preview",
    ),
    path("checkout/thank-you/", views.ThankYouView.as_view(), name="thank-you"),
    path("checkout/card-payment/", views.CardPaymentView.as_view(), name="card-payment"),
    path("payments/stripe/webhook/", views.StripeWebhookView.as_view(), name="stripe-webhook"),
    # Payouts, under the dashboard (docs/payments.md, "Payouts").
    path("dashboard/payouts/", payout_views.MyPayoutsView.as_view(), name="my-payouts"),
    path(
        "dashboard/payouts/onboarding/",
        payout_views.OnboardingStartView.as_view(),
        name="payout-onboarding",
    ),
    path(
        "dashboard/payouts/onboarding/<int:partner_id>/return/",
        payout_views.OnboardingReturnView.as_view(),
        name="payout-onboarding-return",
    ),
    path(
        "dashboard/payouts/onboarding/<int:partner_id>/refresh/",
        payout_views.OnboardingRefreshView.as_view(),
        name="payout-onboarding-refresh",
    ),
    path("dashboard/payouts/all/", payout_views.PayoutListView.as_view(), name="payout-list"),
    path(
        "dashboard/payouts/<int:pk>/", payout_views.PayoutDetailView.as_view(), name="payout-detail"
    ),
    path(
        "dashboard/payouts/<int:pk>/retry/",
        payout_views.PayoutRetryView.as_view(),
        name="payout-retry",
    ),
]
