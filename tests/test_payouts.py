"""Payouts to producers through Stripe Connect: commission maths, one transfer per producer of a
paid order (card or cash on delivery), idempotency under replayed webhooks and retried tasks,
retries with backoff, failures surfaced to staff, onboarding, and who may see which page.

The application talks to the local Stripe stand-in (tests/stripe_standin.py) through the real
``stripe`` library; transfers are checked in the stand-in's recorded requests and objects.
Celery tasks run in-process (eagerly), whatever CELERY_BROKER_URL says; Celery's own retry
machinery still runs, without the waits.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from celery.signals import task_retry
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.apps.order.models import Order
from oscar.apps.partner.models import Partner

from ocop_market.celery import app as celery_app
from plugins.ocop.models import OcopProduct
from plugins.ocop.roles import DEPARTMENT_STAFF
from plugins.payments import payouts, statuses
from plugins.payments.methods import CARD, COD
from plugins.payments.models import ConnectedAccount, Payout, StripeEvent
from plugins.payments.tasks import transfer_payout_task

from .helpers import import_list
from .stripe_standin import StripeStandIn
from .test_checkout import (
    WEBHOOK_SECRET,
    add_to_basket,
    choose_and_place,
    enter_as_guest,
    goods_checkout_to_payment,
    signed_post,
)

pytestmark = pytest.mark.django_db

CONNECT_SECRET = "whsec_test_connect_endpoint"
LIST = (
    "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định,Giá\n"
    'Trà xanh,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam",Đồ uống,4 sao,'
    '1/QĐ-UBND ngày 01/06/2025,"150.000"\n'
    'Mật ong hoa nhãn,Công ty TNHH Ong Vàng,"xã Mộc Nam, huyện Duy Tiên, tỉnh Hà Nam",'
    'Thực phẩm,3 sao,2/QĐ-UBND ngày 01/06/2025,"123.457"\n'
)
TEA, HONEY = "Trà xanh", "Mật ong hoa nhãn"
GUEST = "khach.le@example.vn"


# Fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def eager_tasks():
    """Payout tasks run in this process even when CELERY_BROKER_URL (CI) made them non-eager."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def standin(settings):
    with StripeStandIn() as server:
        settings.STRIPE_SECRET_KEY = server.api_key
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_standin"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
        settings.STRIPE_API_BASE = server.url
        settings.OCOP_PLATFORM_COMMISSION = "0.05"
        yield server


@pytest.fixture
def products():
    import_list(LIST)
    return {o.name: o.product for o in OcopProduct.objects.select_related("product")}


@pytest.fixture
def tea_partner(products) -> Partner:
    return Partner.objects.get(ocop_producer__name="HTX Chè Liêm Sơn")


@pytest.fixture
def honey_partner(products) -> Partner:
    return Partner.objects.get(ocop_producer__name="Công ty TNHH Ong Vàng")


def onboard(standin: StripeStandIn, partner: Partner) -> ConnectedAccount:
    """The producer's Express account created and onboarding finished at the stand-in."""
    account = payouts.ensure_connected_account(partner)
    standin.complete_onboarding(account.stripe_account_id)
    return payouts.refresh_account(account)


@pytest.fixture
def both_onboarded(standin, tea_partner, honey_partner):
    return onboard(standin, tea_partner), onboard(standin, honey_partner)


def user_of(django_user_model, partner: Partner, username: str):
    user = django_user_model.objects.create_user(username, f"{username}@example.vn", "mat-khau-123")
    partner.users.add(user)
    return user


def department_staff(django_user_model):
    """A department user (group "Sở Công Thương"), not Django staff."""
    user = django_user_model.objects.create_user("canbo", "canbo@sct.example.vn", "mat-khau-123")
    user.groups.add(Group.objects.get(name=DEPARTMENT_STAFF))
    return user


def place_card_order(client, products, basket: dict[str, int]) -> Order:
    for name, quantity in basket.items():
        assert add_to_basket(client, products[name], quantity).status_code == 302
    enter_as_guest(client, GUEST)
    goods_checkout_to_payment(client)
    assert choose_and_place(client, CARD).status_code == 302
    return Order.objects.latest("pk")


def deliver(client, standin, capture, order: Order, event: dict | None = None):
    """Stripe's ``payment_intent.succeeded`` for the order, posted to the real webhook, with
    what runs after the commit (the transfer tasks)."""
    if event is None:
        intent_id = order.sources.get().reference
        event = standin.event("payment_intent.succeeded", standin.succeed(intent_id))
    with capture(execute=True):
        response = signed_post(client, event)
    assert response.status_code == 200, response.content
    return event, response.json()


@pytest.fixture
def paid_card_order(client, standin, products, both_onboarded, django_capture_on_commit_callbacks):
    order = place_card_order(client, products, {TEA: 2, HONEY: 1})
    event, _answer = deliver(client, standin, django_capture_on_commit_callbacks, order)
    return order, event


def transfers_by_destination(standin) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {}
    for transfer in standin.transfers.values():
        result.setdefault(transfer["destination"], []).append(transfer)
    return result


# Commission maths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gross", "rate", "commission", "net"),
    [
        ("300000", "0.05", 15000, 285000),
        ("123457", "0.05", 6173, 117284),  # 6172.85 -> 6173
        ("10", "0.05", 1, 9),  # 0.5 rounds up
        ("9", "0.05", 0, 9),  # 0.45 rounds down
        ("150000.50", "0.05", 7500, 150001 - 7500),  # the gross itself is whole đồng
        ("250000", "0", 0, 250000),
        ("199999", "0.125", 25000, 174999),  # 24999.875
    ],
)
def test_commission_is_rounded_to_whole_dong_and_adds_up(gross, rate, commission, net):
    got_commission, got_net = payouts.split_amount(Decimal(gross), Decimal(rate))
    assert (got_commission, got_net) == (Decimal(commission), Decimal(net))
    assert got_commission + got_net == Decimal(gross).quantize(Decimal(1), "ROUND_HALF_UP")


@pytest.mark.parametrize(
    ("value", "rate"), [("0.05", "0.05"), ("5%", "0.05"), (" 7.5 % ", "0.075"), ("0", "0")]
)
def test_commission_setting_reads_fractions_and_percentages(value, rate):
    assert payouts.parse_commission(value) == Decimal(rate)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("năm phần trăm", "must be a fraction such as 0.05 or a percentage such as 5%"),
        ("1", "at least 0 and below 1"),
        ("-0.01", "at least 0 and below 1"),
        ("150%", "at least 0 and below 1"),
    ],
)
def test_a_bad_commission_setting_is_named_with_its_value(settings, value, message):
    settings.OCOP_PLATFORM_COMMISSION = value
    with pytest.raises(ImproperlyConfigured) as error:
        payouts.commission_rate()
    assert message in str(error.value) and repr(value) in str(error.value)
    [check] = payouts.check_commission_setting()
    assert check.id == "payments.E001" and "OCOP_PLATFORM_COMMISSION" in check.msg


# A paid card order: one transfer per producer -----------------------------------------------------


def test_paid_card_order_transfers_each_producer_its_lines_minus_commission(
    paid_card_order, standin, both_onboarded, tea_partner, honey_partner
):
    order, _event = paid_card_order
    tea_account, honey_account = both_onboarded
    assert order.total_incl_tax == Decimal(300000 + 123457)

    tea = Payout.objects.get(order=order, partner=tea_partner)
    honey = Payout.objects.get(order=order, partner=honey_partner)
    assert (tea.gross, tea.commission, tea.net) == (300000, 15000, 285000)
    assert (honey.gross, honey.commission, honey.net) == (123457, 6173, 117284)
    assert tea.commission_rate == honey.commission_rate == Decimal("0.05")
    charge = standin.intents[order.sources.get().reference]["latest_charge"]
    for payout, account in ((tea, tea_account), (honey, honey_account)):
        assert payout.status == Payout.Status.PAID
        assert payout.attempts == 1 and payout.paid_at is not None
        assert payout.destination == account.stripe_account_id
        assert payout.source_transaction == charge

    requests = {r.params["destination"]: r for r in standin.transfer_requests()}
    assert len(standin.transfer_requests()) == 2
    tea_request = requests[tea_account.stripe_account_id]
    assert tea_request.params == {
        "amount": "285000",  # whole đồng: VND is zero-decimal for Stripe
        "currency": "vnd",
        "destination": tea_account.stripe_account_id,
        "transfer_group": order.number,
        "source_transaction": charge,
        "description": f"OCOP Market #{order.number}: HTX Chè Liêm Sơn",
        "metadata": {
            "payout_id": str(tea.pk),
            "order_number": order.number,
            "partner_id": str(tea_partner.pk),
        },
    }
    assert tea_request.headers["Idempotency-Key"] == f"ocop-payout-{tea.pk}"
    assert requests[honey_account.stripe_account_id].params["amount"] == "117284"

    made = transfers_by_destination(standin)
    assert [t["amount"] for t in made[tea_account.stripe_account_id]] == [285000]
    assert [t["amount"] for t in made[honey_account.stripe_account_id]] == [117284]
    assert tea.transfer_id == made[tea_account.stripe_account_id][0]["id"]


def test_payout_idempotency_under_a_replayed_webhook(
    client, paid_card_order, standin, django_capture_on_commit_callbacks
):
    order, event = paid_card_order
    assert len(standin.transfers) == 2

    # Stripe delivers the same event again …
    _event, again = deliver(client, standin, django_capture_on_commit_callbacks, order, event)
    assert again["duplicate"] is True
    # … and another event for the same PaymentIntent (e.g. sent to a second endpoint).
    other = standin.event("payment_intent.succeeded", event["data"]["object"])
    assert other["id"] != event["id"]
    _event, answer = deliver(client, standin, django_capture_on_commit_callbacks, order, other)
    assert answer["duplicate"] is False

    assert Payout.objects.filter(order=order).count() == 2
    assert len(standin.transfers) == 2
    assert len(standin.transfer_requests()) == 2
    assert StripeEvent.objects.count() == 2
    order.refresh_from_db()
    assert order.sources.get().amount_debited == order.total_incl_tax


def test_creating_the_payouts_again_creates_and_sends_nothing(
    paid_card_order, standin, django_capture_on_commit_callbacks
):
    order, _event = paid_card_order
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = payouts.create_order_payouts(order, source_transaction="ch_other")
    assert callbacks == []
    assert {p.source_transaction for p in again} != {"ch_other"}
    assert Payout.objects.count() == 2 and len(standin.transfers) == 2


def test_a_task_run_twice_for_a_paid_payout_does_not_transfer_again(paid_card_order, standin):
    payout = Payout.objects.first()
    result = transfer_payout_task.delay(payout.pk).get()
    assert result["status"] == Payout.Status.PAID
    assert len(standin.transfer_requests()) == 2  # only the two of the order


def test_a_payout_for_a_cancelled_order_is_not_created(
    client, standin, products, both_onboarded, django_capture_on_commit_callbacks
):
    order = place_card_order(client, products, {TEA: 1})
    order.set_status(statuses.CANCELLED)
    deliver(client, standin, django_capture_on_commit_callbacks, order)
    assert not Payout.objects.exists() and not standin.transfers


# Retries, backoff and failures --------------------------------------------------------------------


@pytest.fixture
def retries():
    """The countdowns Celery chose for each retry of the transfer task."""
    seen: list[float] = []

    def record(sender=None, reason=None, **kwargs):
        if getattr(sender, "name", "") == transfer_payout_task.name:
            seen.append(reason.when)

    task_retry.connect(record)
    yield seen
    task_retry.disconnect(record)


def test_a_stripe_server_error_is_retried_with_backoff_and_pays_once(
    client, standin, products, tea_partner, retries, settings, django_capture_on_commit_callbacks
):
    account = onboard(standin, tea_partner)
    standin.fail_transfers("server_error", times=2)
    order = place_card_order(client, products, {TEA: 1})
    deliver(client, standin, django_capture_on_commit_callbacks, order)

    payout = Payout.objects.get()
    assert payout.status == Payout.Status.PAID
    assert payout.attempts == 3 and payout.last_error == ""
    assert len(standin.transfer_requests()) == 3
    assert {r.headers["Idempotency-Key"] for r in standin.transfer_requests()} == {
        f"ocop-payout-{payout.pk}"
    }
    [transfer] = standin.transfers.values()
    assert (transfer["destination"], transfer["amount"]) == (account.stripe_account_id, 142500)
    # Exponential backoff with full jitter: retry n waits at most base * 2**n seconds.
    base = settings.OCOP_PAYOUT_RETRY_BACKOFF_SECONDS
    assert len(retries) == 2
    assert all(0 <= when <= base * 2**n for n, when in enumerate(retries))


def test_a_transfer_made_but_whose_answer_was_lost_is_not_made_again(
    client, standin, products, tea_partner, django_capture_on_commit_callbacks
):
    onboard(standin, tea_partner)
    standin.fail_transfers("lost_response")
    order = place_card_order(client, products, {TEA: 1})
    deliver(client, standin, django_capture_on_commit_callbacks, order)

    payout = Payout.objects.get()
    [transfer] = standin.transfers.values()
    assert payout.status == Payout.Status.PAID and payout.transfer_id == transfer["id"]
    assert payout.attempts == 2
    # The retry looked the transfer up instead of sending it again.
    assert len(standin.transfer_requests()) == 1
    lookups = [r for r in standin.requests if (r.method, r.path) == ("GET", "/v1/transfers")]
    assert lookups[0].params["transfer_group"] == order.number


def test_retries_exhausted_fail_the_payout_and_staff_see_it_and_retry(
    client,
    standin,
    products,
    tea_partner,
    settings,
    django_user_model,
    django_capture_on_commit_callbacks,
    caplog,
):
    account = onboard(standin, tea_partner)
    standin.fail_transfers("server_error", times=None)
    order = place_card_order(client, products, {TEA: 1})
    deliver(client, standin, django_capture_on_commit_callbacks, order)

    payout = Payout.objects.get()
    assert payout.status == Payout.Status.FAILED
    assert payout.attempts == settings.OCOP_PAYOUT_MAX_RETRIES + 1
    assert "APIError" in payout.last_error and "An unknown error occurred." in payout.last_error
    assert not standin.transfers
    assert f"Payout {payout.pk} (order {order.pk}" in caplog.text
    assert Order.objects.get(pk=order.pk).status == statuses.PAID  # the order itself is paid

    client.force_login(department_staff(django_user_model))
    page = client.get(reverse("payments:payout-list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="payouts-failed-alert"' in html
    assert f'<tr data-payout="{payout.pk}" class="table-danger">' in html
    assert "An unknown error occurred." in html
    failed_only = client.get(reverse("payments:payout-list"), {"status": "failed"})
    assert [p.pk for p in failed_only.context["payouts"]] == [payout.pk]

    standin.heal()
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(reverse("payments:payout-retry", args=[payout.pk]))
    assert retried.url == reverse("payments:payout-detail", args=[payout.pk])
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID and payout.key_generation == 1
    [transfer] = standin.transfers.values()
    assert transfer["destination"] == account.stripe_account_id
    assert standin.transfer_requests()[-1].headers["Idempotency-Key"] == (
        f"ocop-payout-{payout.pk}-retry-1"
    )

    again = client.post(reverse("payments:payout-retry", args=[payout.pk]), follow=True)
    assert "chỉ khoản chi trả thất bại hoặc đang chờ" in again.content.decode()
    assert len(standin.transfers) == 1


def test_a_refused_transfer_fails_at_once_and_a_retry_uses_a_new_key(
    client, standin, products, tea_partner, django_capture_on_commit_callbacks
):
    """Stripe stores a refusal under the idempotency key; retrying with the same key would get
    the same refusal for a day, so the staff retry moves to a new key."""
    onboard(standin, tea_partner)
    standin.fail_transfers("insufficient_funds", times=None)
    add_to_basket(client, products[TEA], 1)
    enter_as_guest(client, GUEST)
    goods_checkout_to_payment(client)
    assert choose_and_place(client, COD).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        payouts.settle_cash_on_delivery(Order.objects.get())
    payout = Payout.objects.get()
    assert (payout.status, payout.attempts) == (Payout.Status.FAILED, 1)
    assert "[balance_insufficient]" in payout.last_error
    assert "insufficient available funds" in payout.last_error

    standin.heal()
    with django_capture_on_commit_callbacks(execute=True):
        payouts.retry_payout(payout.pk)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID and payout.attempts == 2
    [transfer] = standin.transfers.values()
    assert transfer["amount"] == 142500 and transfer["source_transaction"] is None
    keys = [r.headers["Idempotency-Key"] for r in standin.transfer_requests()]
    assert keys == [f"ocop-payout-{payout.pk}", f"ocop-payout-{payout.pk}-retry-1"]


def test_the_retry_command_sends_failed_payouts_again(
    client, standin, products, tea_partner, django_capture_on_commit_callbacks
):
    onboard(standin, tea_partner)
    standin.fail_transfers("server_error", times=None)
    order = place_card_order(client, products, {TEA: 1})
    deliver(client, standin, django_capture_on_commit_callbacks, order)
    payout = Payout.objects.get()
    assert payout.status == Payout.Status.FAILED

    with pytest.raises(CommandError, match="Name the payout ids"):
        call_command("payouts_retry")
    with pytest.raises(CommandError, match=f"No payout with id {payout.pk + 1}"):
        call_command("payouts_retry", str(payout.pk + 1))
    standin.heal()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("payouts_retry", "--failed", stdout=out)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID and len(standin.transfers) == 1
    with pytest.raises(CommandError, match="could not be sent again"):
        call_command("payouts_retry", str(payout.pk), stderr=io.StringIO())


# Cash on delivery ---------------------------------------------------------------------------------


def test_cash_on_delivery_order_is_settled_when_marked_completed(
    client, standin, products, both_onboarded, django_user_model, django_capture_on_commit_callbacks
):
    for name, quantity in {TEA: 1, HONEY: 2}.items():
        add_to_basket(client, products[name], quantity)
    enter_as_guest(client, GUEST)
    goods_checkout_to_payment(client)
    assert choose_and_place(client, COD).status_code == 302
    order = Order.objects.get()
    assert order.status == statuses.AWAITING_CONFIRMATION

    staff = django_user_model.objects.create_superuser("admin", "admin@example.vn", "x")
    client.force_login(staff)
    url = reverse("dashboard:order-detail", kwargs={"number": order.number})

    def change_status(status: str):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url, {"order_action": "change_order_status", "new_status": status}
            )
        assert response.status_code == 302
        order.refresh_from_db()
        assert order.status == status

    change_status(statuses.SHIPPING)
    assert not Payout.objects.exists() and not standin.transfers
    change_status(statuses.COMPLETED)

    source = order.sources.get()
    assert source.amount_debited == order.total_incl_tax == Decimal(150000 + 2 * 123457)
    assert order.payment_events.get().event_type.code == "cod-collected"
    tea_account, honey_account = both_onboarded
    made = transfers_by_destination(standin)
    assert [t["amount"] for t in made[tea_account.stripe_account_id]] == [142500]
    assert [t["amount"] for t in made[honey_account.stripe_account_id]] == [
        246914 - 12346  # 12345.7 -> 12346
    ]
    # Paid from the platform's balance: no charge to take it from.
    assert all("source_transaction" not in r.params for r in standin.transfer_requests())
    assert set(Payout.objects.values_list("status", flat=True)) == {Payout.Status.PAID}


# Onboarding ---------------------------------------------------------------------------------------


def test_a_producer_not_onboarded_is_paid_after_account_updated(
    client, standin, products, tea_partner, django_capture_on_commit_callbacks
):
    account = payouts.ensure_connected_account(tea_partner)  # onboarding started, not finished
    assert not account.ready_for_transfers
    order = place_card_order(client, products, {TEA: 1})
    deliver(client, standin, django_capture_on_commit_callbacks, order)
    payout = Payout.objects.get()
    assert payout.status == Payout.Status.AWAITING_ONBOARDING
    assert payout.attempts == 0 and not standin.transfer_requests()

    finished = standin.complete_onboarding(account.stripe_account_id)
    stale = standin.event("account.updated", standin.accounts[account.stripe_account_id])
    event = standin.event(
        "account.updated", finished, account=account.stripe_account_id, created=stale["created"]
    )
    # Connect events are signed with the Connect endpoint's secret.
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(client, event, secret=CONNECT_SECRET)
    assert response.json()["processed"] is True
    account.refresh_from_db()
    assert account.ready_for_transfers and account.requirements_due == []
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    [transfer] = standin.transfers.values()
    assert (transfer["destination"], transfer["amount"]) == (account.stripe_account_id, 142500)

    # The same event again, and an older state arriving late, change nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_post(client, event, secret=CONNECT_SECRET).json()["duplicate"] is True
        older = standin.event(
            "account.updated",
            {**finished, "payouts_enabled": False},
            account=account.stripe_account_id,
            created=event["created"] - 60,
        )
        assert signed_post(client, older, secret=CONNECT_SECRET).json()["processed"] is False
    account.refresh_from_db()
    assert account.payouts_enabled
    assert len(standin.transfer_requests()) == 1


def test_an_account_event_signed_with_an_unknown_secret_is_refused(client, standin, tea_partner):
    account = payouts.ensure_connected_account(tea_partner)
    event = standin.event(
        "account.updated",
        standin.complete_onboarding(account.stripe_account_id),
        account=account.stripe_account_id,
    )
    assert signed_post(client, event, secret="whsec_someone_else").status_code == 400
    account.refresh_from_db()
    assert not account.ready_for_transfers


def test_producer_onboards_through_stripe_express_from_the_payouts_page(
    client, standin, products, tea_partner, django_user_model, django_capture_on_commit_callbacks
):
    client.force_login(user_of(django_user_model, tea_partner, "lan"))
    page = client.get(reverse("payments:my-payouts"))
    assert page.status_code == 200
    assert "Thiết lập nhận tiền qua Stripe" in page.content.decode()

    start = client.post(reverse("payments:payout-onboarding"), {"partner": tea_partner.pk})
    [link] = standin.account_links
    assert start.status_code == 302 and start.url == link["url"]
    [create] = [r for r in standin.requests if r.path == "/v1/accounts"]
    assert create.params["type"] == "express"
    assert create.params["country"] == "VN"
    assert create.params["capabilities"] == {"transfers": {"requested": "true"}}
    assert create.params["tos_acceptance"] == {"service_agreement": "recipient"}
    assert create.params["metadata"] == {"partner_id": str(tea_partner.pk)}
    assert create.headers["Idempotency-Key"] == f"ocop-connect-account-partner-{tea_partner.pk}"
    account = ConnectedAccount.objects.get(partner=tea_partner)
    assert link["account"] == account.stripe_account_id
    return_path = reverse("payments:payout-onboarding-return", args=[tea_partner.pk])
    refresh_path = reverse("payments:payout-onboarding-refresh", args=[tea_partner.pk])
    assert link["return_url"] == f"http://testserver{return_path}"
    assert link["refresh_url"] == f"http://testserver{refresh_path}"
    assert link["type"] == "account_onboarding"

    # The link expired: Stripe sends the producer to refresh_url for a new one, same account.
    refreshed = client.get(refresh_path)
    assert refreshed.url == standin.account_links[-1]["url"] != link["url"]
    assert ConnectedAccount.objects.count() == 1 and len(standin.accounts) == 1

    # Back without finishing: Stripe still needs details.
    back = client.get(return_path, follow=True)
    assert "Stripe vẫn cần thêm một số thông tin" in back.content.decode()
    assert "external_account" in back.content.decode()

    # A paid order waits for the onboarding, which then completes.
    client.logout()
    order = place_card_order(client, products, {TEA: 1})
    deliver(client, standin, django_capture_on_commit_callbacks, order)
    assert Payout.objects.get().status == Payout.Status.AWAITING_ONBOARDING
    client.force_login(tea_partner.users.get())
    standin.complete_onboarding(account.stripe_account_id)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.get(return_path, follow=True)
    assert "Tài khoản Stripe của bạn đã sẵn sàng" in done.content.decode()
    assert Payout.objects.get().status == Payout.Status.PAID
    assert len(standin.transfers) == 1
    html = client.get(reverse("payments:my-payouts")).content.decode()
    assert "Đã bật nhận tiền" in html and "142.500\u00a0₫" in html


def test_onboarding_without_stripe_configured_says_so(
    client, settings, tea_partner, django_user_model
):
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(user_of(django_user_model, tea_partner, "lan"))
    page = client.get(reverse("payments:my-payouts")).content.decode()
    assert "Thiết lập nhận tiền qua Stripe" not in page
    response = client.post(
        reverse("payments:payout-onboarding"), {"partner": tea_partner.pk}, follow=True
    )
    assert "chưa được cấu hình" in response.content.decode()
    assert not ConnectedAccount.objects.exists()


def test_stripe_unreachable_during_onboarding_is_a_message_not_an_error(
    client, standin, tea_partner, django_user_model
):
    client.force_login(user_of(django_user_model, tea_partner, "lan"))
    standin.stop()
    response = client.post(
        reverse("payments:payout-onboarding"), {"partner": tea_partner.pk}, follow=True
    )
    assert response.status_code == 200
    assert "Không kết nối được với Stripe" in response.content.decode()
    assert not ConnectedAccount.objects.exists()


# Who sees what ------------------------------------------------------------------------------------


def test_producer_sees_only_its_own_payouts_and_not_another_producers(
    client, paid_card_order, tea_partner, honey_partner, django_user_model
):
    tea_payout = Payout.objects.get(partner=tea_partner)
    honey_payout = Payout.objects.get(partner=honey_partner)
    client.force_login(user_of(django_user_model, tea_partner, "lan"))

    page = client.get(reverse("payments:my-payouts"))
    assert [p.pk for p in page.context["payouts"]] == [tea_payout.pk]
    html = page.content.decode()
    assert "285.000\u00a0₫" in html and "117.284\u00a0₫" not in html
    # The dashboard menu offers the producer its payouts, not everyone's.
    assert f'href="{reverse("payments:my-payouts")}"' in html
    assert f'href="{reverse("payments:payout-list")}"' not in html
    assert client.get(reverse("payments:payout-detail", args=[tea_payout.pk])).status_code == 200

    # Another producer's payout, onboarding or return page: 404, as if it did not exist.
    assert client.get(reverse("payments:payout-detail", args=[honey_payout.pk])).status_code == 404
    assert (
        client.post(
            reverse("payments:payout-onboarding"), {"partner": honey_partner.pk}
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("payments:payout-onboarding-return", args=[honey_partner.pk])
        ).status_code
        == 404
    )
    # Producers neither list every payout nor retry.
    assert client.get(reverse("payments:payout-list")).status_code == 403
    assert client.post(reverse("payments:payout-retry", args=[tea_payout.pk])).status_code == 403


def test_anonymous_users_are_sent_to_login(client, paid_card_order):
    client.logout()
    payout = Payout.objects.first()
    for url in (
        reverse("payments:my-payouts"),
        reverse("payments:payout-list"),
        reverse("payments:payout-detail", args=[payout.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("customer:login")), url
    response = client.post(reverse("payments:payout-retry", args=[payout.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("customer:login"))


def test_a_signed_in_customer_has_no_payout_pages(client, paid_card_order, django_user_model):
    client.force_login(django_user_model.objects.create_user("khach", "khach@example.vn", "x"))
    payout = Payout.objects.first()
    assert client.get(reverse("payments:my-payouts")).status_code == 403
    assert client.get(reverse("payments:payout-list")).status_code == 403
    assert client.get(reverse("payments:payout-detail", args=[payout.pk])).status_code == 404


def test_department_staff_see_every_payout_and_the_menu(client, paid_card_order, django_user_model):
    client.force_login(department_staff(django_user_model))
    page = client.get(reverse("payments:payout-list"))
    assert page.status_code == 200
    assert len(page.context["payouts"]) == 2
    html = page.content.decode()
    assert "<h1>Tất cả khoản chi trả</h1>" in html
    assert f'href="{reverse("payments:payout-list")}"' in html  # the dashboard menu entry
    assert 'id="payouts-failed-alert"' not in html
    payout = Payout.objects.first()
    detail = client.get(reverse("payments:payout-detail", args=[payout.pk]))
    assert detail.status_code == 200 and payout.destination in detail.content.decode()
    bad_filter = client.get(reverse("payments:payout-list"), {"status": "lost"})
    assert bad_filter.status_code == 200
    assert bad_filter.context["filter_form"].errors["status"]


def test_payout_pages_cost_the_same_queries_whatever_the_number_of_payouts(
    client,
    standin,
    products,
    both_onboarded,
    tea_partner,
    django_user_model,
    django_capture_on_commit_callbacks,
):
    producer = user_of(django_user_model, tea_partner, "lan")
    staff = department_staff(django_user_model)

    def count(user, url) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def pay_one():
        client.logout()
        order = place_card_order(client, products, {TEA: 1, HONEY: 1})
        deliver(client, standin, django_capture_on_commit_callbacks, order)

    pay_one()
    few = (
        count(producer, reverse("payments:my-payouts")),
        count(staff, reverse("payments:payout-list")),
    )
    for _ in range(3):
        pay_one()
    assert Payout.objects.count() == 8
    many = (
        count(producer, reverse("payments:my-payouts")),
        count(staff, reverse("payments:payout-list")),
    )
    assert many == few
