"""Emails to producers: one new-order email per producer and order with only its own lines, and
certificate-expiry reminders 90 and 30 days before the end, each sent exactly once."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from oscar.apps.basket.models import Basket
from oscar.apps.order.models import Order, ShippingAddress
from oscar.apps.order.signals import order_placed
from oscar.test.factories import create_order, create_product

from plugins.notifications.delivery import deliver, send_again
from plugins.notifications.models import (
    DeliveryStatus,
    ExpiryReminder,
    OrderNotification,
    SkipReason,
)
from plugins.notifications.orders import record_order_notifications
from plugins.notifications.recipients import producer_recipients
from plugins.notifications.reminders import (
    _row,
    due_reminders,
    send_certificate_expiry_reminders,
    threshold_for,
)
from plugins.notifications.tasks import (
    MAX_RETRIES,
    deliver_task,
    retry_countdown,
    send_certificate_expiry_reminders_task,
)
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import Certificate, OcopProduct, Producer
from plugins.ocop.roles import DEPARTMENT_STAFF, ensure_roles
from plugins.payments.addresses import vietnam

from .conftest import TODAY
from .helpers import basket_with
from .test_translations import parse_po, translations

pytestmark = pytest.mark.django_db

HEADER = "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định,Giá\n"
#: On TODAY (29/11/2026), valid 36 months from the decision: Trà xanh ends 15/01/2027 (47 days
#: left), Trà sen 20/12/2026 (21 days), Nón lá 01/01/2027 (33 days), Bánh đa 01/10/2027.
LIST = HEADER + (
    'Trà xanh,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,4 sao,'
    '1/QĐ-UBND ngày 15/01/2024,"150.000"\n'
    'Trà sen,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,3 sao,'
    '4/QĐ-UBND ngày 20/12/2023,"95.500"\n'
    'Nón lá,Hộ kinh doanh Vũ Thị Thoa,"xã Bình Nghĩa, huyện Bình Lục, tỉnh Hà Nam",'
    'Thủ công mỹ nghệ,3 sao,2/QĐ-UBND ngày 01/01/2024,"80.000"\n'
    'Bánh đa,HTX Bánh đa Đại Hoàng,"xã Hòa Hậu, huyện Lý Nhân",Thực phẩm,3 sao,'
    '7/QĐ-UBND ngày 01/10/2024,"40.000"\n'
)
TEA_USER_EMAIL = "ketoan@chelienson.vn"


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OCOP_SITE_URL = ""


@pytest.fixture
def products(django_user_model):
    """The list imported on TODAY; the tea cooperative has a user and a contact email, the hat
    household has neither (its emails are skipped)."""
    result = import_certificates(io.BytesIO(LIST.encode()), filename="list.csv", today=TODAY)
    assert result.ok, result.errors
    ocop = {o.name: o for o in OcopProduct.objects.select_related("product", "producer")}
    tea = ocop["Trà xanh"].producer
    tea.partner.users.add(django_user_model.objects.create_user("htx.chelienson", TEA_USER_EMAIL))
    tea.email = "ban.giam.doc@chelienson.vn"
    tea.save()
    cake = ocop["Bánh đa"].producer
    cake.partner.users.add(django_user_model.objects.create_user("dai.hoang", "hoa@daihoang.vn"))
    return ocop


def place(basket: Basket, capture, number: str = "100001") -> Order:
    address = ShippingAddress.objects.create(
        first_name="Nguyễn Thị Hoa",
        line1="12 Trần Hưng Đạo",
        line3="Phường Phủ Lý",
        state="Tỉnh Ninh Bình",
        country=vietnam(),
    )
    with capture(execute=True):
        return create_order(number=number, basket=basket, shipping_address=address)


def by_recipient(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]


# Recipients ---------------------------------------------------------------------------------


def test_recipients_are_active_users_and_the_contact_email_each_once(products, django_user_model):
    producer = products["Trà xanh"].producer
    partner = producer.partner
    partner.users.add(
        django_user_model.objects.create_user("old", "cu@chelienson.vn", is_active=False),
        django_user_model.objects.create_user("noemail", ""),
    )
    producer.email = TEA_USER_EMAIL.upper()  # the same address as the user's, in capitals
    producer.save()
    producer = Producer.objects.select_related("partner").get(pk=producer.pk)
    assert producer_recipients(producer) == [TEA_USER_EMAIL]
    assert producer_recipients(products["Nón lá"].producer) == []


# New-order email ----------------------------------------------------------------------------


def test_each_producer_gets_one_email_listing_only_its_own_lines(
    products, django_capture_on_commit_callbacks, django_user_model
):
    hat = products["Nón lá"].producer
    hat.email = "thoa.nonla@gmail.com"
    hat.save()
    other = create_product(title="Not OCOP", partner_name="Another shop", price=Decimal(50000))
    basket = basket_with(
        (products["Trà xanh"].product, 2),
        (products["Trà sen"].product, 1),
        (products["Nón lá"].product, 3),
        (other, 1),
    )
    order = place(basket, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 2
    [tea_mail] = by_recipient(TEA_USER_EMAIL)
    assert tea_mail.to == [TEA_USER_EMAIL, "ban.giam.doc@chelienson.vn"]
    assert tea_mail.subject == (
        f"Đơn hàng mới {order.number} có sản phẩm của bạn / "
        f"New order {order.number} for your products"
    )
    body = tea_mail.body
    assert "Trà xanh: 2 × 150.000\xa0₫ = 300.000\xa0₫" in body
    assert "Trà sen: 1 × 95.500\xa0₫ = 95.500\xa0₫" in body
    assert "Tổng tiền sản phẩm của bạn: 395.500\xa0₫" in body
    assert "Total of your products: 395.500\xa0₫" in body
    assert "Nón lá" not in body and "Not OCOP" not in body and "80.000" not in body
    assert "Giao đến: Phường Phủ Lý, Tỉnh Ninh Bình" in body
    assert "Ship to: Phường Phủ Lý, Tỉnh Ninh Bình" in body
    assert "Trần Hưng Đạo" not in body  # the region, not the street
    assert f"http://example.com/dashboard/orders/{order.number}/" in body
    # Vietnamese first, English below.
    assert body.index("Kính gửi HTX Chè Liêm Sơn,") < body.index("Hello HTX Chè Liêm Sơn,")
    assert body.index(f"Đơn hàng {order.number}, đặt lúc") < body.index(f"Order {order.number},")

    [hat_mail] = by_recipient("thoa.nonla@gmail.com")
    assert "Nón lá: 3 × 80.000\xa0₫ = 240.000\xa0₫" in hat_mail.body
    assert "Trà" not in hat_mail.body

    rows = OrderNotification.objects.filter(order=order)
    assert {row.producer for row in rows} == {products["Trà xanh"].producer, hat}
    assert all(row.status == DeliveryStatus.SENT and row.sent_at for row in rows)


def test_order_signalled_twice_sends_each_producer_one_email(
    products, django_capture_on_commit_callbacks
):
    order = place(
        basket_with((products["Trà xanh"].product, 1), (products["Bánh đa"].product, 1)),
        django_capture_on_commit_callbacks,
    )
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        order_placed.send(sender=None, order=order, user=None)
        order_placed.send(sender=None, order=order, user=None)
    assert record_order_notifications(order) == []
    assert len(mail.outbox) == 2
    assert OrderNotification.objects.filter(order=order).count() == 2


def test_nothing_is_sent_before_the_order_commits(products):
    create_order(number="100009", basket=basket_with((products["Trà xanh"].product, 1)))
    assert mail.outbox == [] and not OrderNotification.objects.exists()


def test_a_producer_without_recipient_is_recorded_as_skipped(
    products, django_capture_on_commit_callbacks
):
    order = place(basket_with((products["Nón lá"].product, 1)), django_capture_on_commit_callbacks)
    row = OrderNotification.objects.get(order=order)
    assert (row.status, row.skip_reason, row.recipients) == (
        DeliveryStatus.SKIPPED,
        SkipReason.NO_RECIPIENT,
        [],
    )
    assert "Nón lá: 1 × 80.000\xa0₫" in row.body  # what would have been sent is kept
    assert mail.outbox == []


def test_order_email_queries_do_not_grow_with_lines_or_producers(
    products, django_capture_on_commit_callbacks
):
    place(basket_with((products["Trà xanh"].product, 1)), django_capture_on_commit_callbacks)
    small = create_order(number="200001", basket=basket_with((products["Trà xanh"].product, 1)))
    large = create_order(
        number="200002",
        basket=basket_with(
            (products["Trà xanh"].product, 1),
            (products["Trà sen"].product, 2),
            (products["Bánh đa"].product, 4),
            (products["Nón lá"].product, 1),
        ),
    )
    counts = []
    for order in (small, large):
        order = Order.objects.select_related("shipping_address").get(pk=order.pk)
        with CaptureQueriesContext(connection) as queries:
            rows = record_order_notifications(order)
        counts.append((len(rows), len(queries.captured_queries)))
    assert counts[0][0] == 1 and counts[1][0] == 3
    assert counts[0][1] == counts[1][1]


class RefusingBackend(BaseEmailBackend):
    """A mail server that accepts connections and refuses every message."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("451 mail server unavailable")


def test_a_failing_mail_server_never_breaks_checkout_and_the_email_can_be_sent_again(
    products, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    order = place(
        basket_with((products["Trà xanh"].product, 1)), django_capture_on_commit_callbacks
    )
    assert order.pk and order.lines.count() == 1
    row = OrderNotification.objects.get(order=order)
    # Run eagerly there is no queue to retry from: failed at once, with the server's answer.
    assert row.status == DeliveryStatus.FAILED and row.attempts == 1
    assert "451 mail server unavailable" in row.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert send_again(OrderNotification, [row.pk]) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 2, "")
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_again(OrderNotification, [row.pk]) == 0  # sent rows are never resent
    assert len(mail.outbox) == 1


def test_a_worker_retries_a_refused_email_with_backoff_then_marks_it_failed(
    products, settings, django_capture_on_commit_callbacks
):
    from celery.exceptions import Retry

    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    order = create_order(number="300001", basket=basket_with((products["Trà xanh"].product, 1)))
    [row] = record_order_notifications(order)  # recorded; its delivery was not run (no commit)
    with pytest.raises(Retry):  # a worker's first attempt: a retry is scheduled
        deliver_task("order", [row.pk])
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert "451" in row.last_error
    assert [retry_countdown(n) for n in range(MAX_RETRIES)] == [60, 120, 240, 480, 960]
    assert retry_countdown(10) == 3600

    deliver_task.push_request(retries=MAX_RETRIES)  # the last retry
    try:
        assert deliver_task.run("order", [row.pk]) == {"sent": [], "failed": [row.pk]}
    finally:
        deliver_task.pop_request()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 2)
    assert mail.outbox == []


def test_two_deliveries_of_the_same_notification_send_it_once(products):
    order = create_order(number="300002", basket=basket_with((products["Trà xanh"].product, 1)))
    [row] = record_order_notifications(order)
    first = deliver("order", [row.pk], last_attempt=False)
    second = deliver("order", [row.pk], last_attempt=False)
    assert (first.sent, second.sent) == ([row.pk], [])
    assert len(mail.outbox) == 1


# Certificate-expiry reminders ---------------------------------------------------------------


def reminders_on(day: dt.date, capture) -> list[ExpiryReminder]:
    with capture(execute=True):
        return send_certificate_expiry_reminders(day).recorded


def test_the_90_day_reminder_is_sent_once_then_the_30_day_one_once(
    products, django_capture_on_commit_callbacks
):
    tea = products["Trà xanh"].current_certificate
    assert tea.valid_until == dt.date(2027, 1, 15)  # 47 days after TODAY

    first = reminders_on(TODAY, django_capture_on_commit_callbacks)
    tea_reminders = [row for row in first if row.certificate_id == tea.pk]
    assert [(r.threshold_days, r.days_left) for r in tea_reminders] == [(90, 47)]
    # The cooperative gets one email per certificate: Trà sen (21 days left) has its own.
    [message] = [m for m in by_recipient(TEA_USER_EMAIL) if "Trà xanh" in m.subject]
    assert message.subject == (
        "Giấy chứng nhận OCOP của “Trà xanh” hết hạn ngày 15/01/2027 / "
        "OCOP certificate of “Trà xanh” expires on 15/01/2027"
    )
    body = message.body
    assert "sản phẩm “Trà xanh” hết hạn ngày 15/01/2027: còn 47 ngày" in body
    assert "Hạng sao: 4★" in body and "Stars: 4★" in body
    assert "Quyết định: 1/QĐ-UBND (15/01/2024)" in body
    assert "Hiệu lực đến: 15/01/2027" in body
    assert "nộp hồ sơ đề nghị đánh giá lại" in body and "apply for a re-evaluation" in body
    assert "expires on 15/01/2027: 47 days left" in body
    assert body.index("Kính gửi") < body.index("Hello")

    # The same day again, and every later day until 31 days are left: nothing new.
    sent_before = len(by_recipient(TEA_USER_EMAIL))
    send_certificate_expiry_reminders_task.delay(TODAY.isoformat())
    for offset in range(1, 17):
        day = TODAY + dt.timedelta(days=offset)
        assert all(
            r.certificate_id != tea.pk
            for r in reminders_on(day, django_capture_on_commit_callbacks)
        )
    assert len(by_recipient(TEA_USER_EMAIL)) == sent_before

    # 30 days left: the 30-day reminder, once.
    day_30 = tea.valid_until - dt.timedelta(days=30)
    rows = reminders_on(day_30, django_capture_on_commit_callbacks)
    assert [(r.threshold_days, r.days_left) for r in rows if r.certificate_id == tea.pk] == [
        (30, 30)
    ]
    for offset in range(1, 31):
        reminders_on(day_30 + dt.timedelta(days=offset), django_capture_on_commit_callbacks)
    tea_rows = ExpiryReminder.objects.filter(certificate=tea).order_by("-threshold_days")
    assert [(r.threshold_days, r.status) for r in tea_rows] == [
        (90, DeliveryStatus.SENT),
        (30, DeliveryStatus.SENT),
    ]
    tea_subjects = [m.subject for m in by_recipient(TEA_USER_EMAIL) if "Trà xanh" in m.subject]
    assert len(tea_subjects) == 2
    # The day after expiry: nothing more.
    assert (
        reminders_on(tea.valid_until + dt.timedelta(days=1), django_capture_on_commit_callbacks)
        == []
    )


def test_a_certificate_first_seen_with_25_days_left_gets_only_the_30_day_reminder(
    products, django_capture_on_commit_callbacks
):
    lotus = products["Trà sen"].current_certificate
    day = lotus.valid_until - dt.timedelta(days=25)
    rows = [
        r
        for r in reminders_on(day, django_capture_on_commit_callbacks)
        if r.certificate_id == lotus.pk
    ]
    assert [(r.threshold_days, r.days_left) for r in rows] == [(30, 25)]
    assert not ExpiryReminder.objects.filter(certificate=lotus, threshold_days=90).exists()
    reminders_on(day + dt.timedelta(days=1), django_capture_on_commit_callbacks)
    assert ExpiryReminder.objects.filter(certificate=lotus).count() == 1
    assert threshold_for(91) is None and threshold_for(90) == 90 and threshold_for(31) == 90
    assert threshold_for(30) == 30 and threshold_for(0) == 30 and threshold_for(-1) is None


def test_a_producer_without_recipient_is_recorded_as_skipped_not_an_error(
    products, django_capture_on_commit_callbacks
):
    hat = products["Nón lá"].current_certificate
    reminders_on(TODAY, django_capture_on_commit_callbacks)
    row = ExpiryReminder.objects.get(certificate=hat)
    assert (row.threshold_days, row.status, row.skip_reason) == (
        90,
        DeliveryStatus.SKIPPED,
        SkipReason.NO_RECIPIENT,
    )
    assert row.attempts == 0 and "Nón lá" in row.body
    # Skipped once is recorded once: the next day does not try again.
    reminders_on(TODAY + dt.timedelta(days=1), django_capture_on_commit_callbacks)
    assert ExpiryReminder.objects.filter(certificate=hat).count() == 1


def test_expired_superseded_revoked_and_legacy_certificates_get_no_reminder(
    products, django_capture_on_commit_callbacks
):
    # Trà xanh is re-evaluated on 10/11/2026: its old certificate is superseded, the new one
    # runs until 2029.
    again = HEADER + (
        'Trà xanh,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,4 sao,'
        '88/QĐ-UBND ngày 10/11/2026,"150.000"\n'
    )
    result = import_certificates(io.BytesIO(again.encode()), filename="again.csv", today=TODAY)
    assert result.ok, result.errors
    old_tea = Certificate.objects.get(decision_number="1/QĐ-UBND")
    assert old_tea.superseded_on == dt.date(2026, 11, 10)
    # Trà sen has expired, Nón lá was revoked, Bánh đa holds a legacy 2-star rank.
    Certificate.objects.filter(decision_number="4/QĐ-UBND").update(
        valid_until=TODAY - dt.timedelta(days=1)
    )
    Certificate.objects.filter(decision_number="2/QĐ-UBND").update(revoked_on=TODAY)
    Certificate.objects.filter(decision_number="7/QĐ-UBND").update(
        stars=2, valid_until=TODAY + dt.timedelta(days=20)
    )

    assert reminders_on(TODAY, django_capture_on_commit_callbacks) == []
    assert mail.outbox == [] and not ExpiryReminder.objects.exists()


def test_an_older_certificate_that_is_not_the_current_one_gets_no_reminder(
    products, django_capture_on_commit_callbacks
):
    cake = products["Bánh đa"]
    old = cake.current_certificate
    old.valid_until = TODAY + dt.timedelta(days=40)
    old.save()
    newer = Certificate.objects.create(
        product=cake,
        stars=4,
        decision_number="99/QĐ-UBND",
        decision_date=TODAY + dt.timedelta(days=10),  # decided, in force in ten days
        issuing_level=old.issuing_level,
        valid_until=TODAY + dt.timedelta(days=10 + 3 * 365),
    )
    OcopProduct.objects.filter(pk=cake.pk).update(current_certificate=newer)
    due = [d.certificate.pk for d in due_reminders(TODAY)]
    assert old.pk not in due and newer.pk not in due


def test_two_runs_racing_on_the_same_day_send_each_reminder_once(
    products, django_capture_on_commit_callbacks
):
    decided_by_a = due_reminders(TODAY)  # run A decides ...
    assert len(decided_by_a) == 3
    reminders_on(TODAY, django_capture_on_commit_callbacks)  # ... run B records and sends ...
    sent = len(mail.outbox)
    from plugins.notifications.delivery import record

    with django_capture_on_commit_callbacks(execute=True):  # ... then A records its decision
        assert record(ExpiryReminder, [_row(due, TODAY) for due in decided_by_a]) == []
    assert len(mail.outbox) == sent == 2  # Trà xanh and Trà sen (Nón lá has no recipient)
    assert ExpiryReminder.objects.count() == 3


def test_reminder_queries_do_not_grow_with_the_number_of_certificates(
    products, django_capture_on_commit_callbacks, django_user_model
):
    def run_counting(day: dt.date) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            rows = reminders_on(day, django_capture_on_commit_callbacks)
        return len(rows), len(queries.captured_queries)

    few = run_counting(TODAY)  # the 3 expiring certificates of the fixture
    more = HEADER + "".join(
        f'Giò lụa {n},Công ty TNHH Thực phẩm {n},"xã Liêm Sơn, huyện Thanh Liêm",Thực phẩm,'
        f'3 sao,{100 + n}/QĐ-UBND ngày {n:02d}/02/2024,"60.000"\n'
        for n in range(1, 11)
    )
    assert import_certificates(io.BytesIO(more.encode()), filename="m.csv", today=TODAY).ok
    for n, producer in enumerate(Producer.objects.filter(name__startswith="Công ty TNHH")):
        producer.partner.users.add(
            django_user_model.objects.create_user(f"ct{n}", f"ban.hang{n}@thucpham.vn")
        )
    many = run_counting(TODAY + dt.timedelta(days=1))
    assert (few[0], many[0]) == (3, 10)
    assert few[1] == many[1]


# Task, schedule, command and admin ----------------------------------------------------------


def test_the_daily_beat_entry_runs_the_registered_reminder_task(settings):
    from ocop_market.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["notifications-certificate-expiry-reminders"]
    assert entry["task"] == "notifications.send_certificate_expiry_reminders"
    assert entry["task"] == send_certificate_expiry_reminders_task.name
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert (schedule.minute, schedule.hour) == ({0}, {7})
    assert len(schedule.day_of_month) == 31 and len(schedule.day_of_week) == 7


def test_the_task_decides_for_today_in_ho_chi_minh_city(
    products, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils import timezone

    # 18:30 UTC on 28 November is already 01:30 on 29 November (TODAY) in Hà Nội.
    late_evening_utc = dt.datetime(2026, 11, 28, 18, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late_evening_utc)
    with django_capture_on_commit_callbacks(execute=True):
        result = send_certificate_expiry_reminders_task.delay().get()
    assert result["as_of"] == TODAY.isoformat()
    assert {d["product"]: d["threshold_days"] for d in result["due"]} == {
        "Trà sen": 30,
        "Nón lá": 90,
        "Trà xanh": 90,
    }
    assert len(result["skipped"]) == 1


def test_command_dry_run_lists_and_writes_nothing_then_sends(products):
    out = io.StringIO()
    call_command("ocop_send_reminders", "--as-of", "29/11/2026", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Trà xanh 4★, 1/QĐ-UBND, hết hạn 15/01/2027 (còn 47 ngày, mốc 90)" in text
    assert "Nón lá" in text and "sẽ bỏ qua (would skip)" in text
    assert "3 due, 0 recorded" in text
    assert not ExpiryReminder.objects.exists() and mail.outbox == []

    out = io.StringIO()
    call_command("ocop_send_reminders", "--as-of", "2026-11-29", "--format", "json", stdout=out)
    result = json.loads(out.getvalue())
    assert len(result["recorded"]) == 3 and len(result["skipped"]) == 1
    assert ExpiryReminder.objects.count() == 3


def test_command_refuses_a_bad_or_future_date_with_a_clear_message():
    with pytest.raises(CommandError, match="--as-of must be YYYY-MM-DD or dd/mm/yyyy"):
        call_command("ocop_send_reminders", "--as-of", "31/02/2026")
    with pytest.raises(CommandError, match="use it with --dry-run only"):
        call_command("ocop_send_reminders", "--as-of", "2999-01-01")


def test_department_staff_see_reminders_and_why_one_was_skipped_in_the_admin(
    products, client, django_user_model, django_capture_on_commit_callbacks
):
    reminders_on(TODAY, django_capture_on_commit_callbacks)
    ensure_roles()
    staff = django_user_model.objects.create_user("canbo", "canbo@sct.vn", is_staff=True)
    staff.groups.add(Group.objects.get(name=DEPARTMENT_STAFF))
    client.force_login(staff)
    html = client.get("/admin/notifications/expiryreminder/").content.decode()
    assert "Không có người nhận" in html and "Đã gửi" in html
    assert client.get("/admin/notifications/ordernotification/").status_code == 200

    producer_user = django_user_model.objects.get(email=TEA_USER_EMAIL)
    client.force_login(producer_user)
    response = client.get("/admin/notifications/expiryreminder/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_vietnamese_catalogue_is_complete_and_compiled():
    import gettext as gnu_gettext
    from pathlib import Path

    import plugins.notifications

    folder = Path(plugins.notifications.__file__).parent / "locale" / "vi" / "LC_MESSAGES"
    entries = [entry for entry in parse_po(folder / "django.po") if entry["msgid"]]
    assert entries and all(all(translations(entry)) for entry in entries)
    assert not [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    with (folder / "django.mo").open("rb") as mo:
        compiled = gnu_gettext.GNUTranslations(mo)
    for entry in entries:
        if "msgid_plural" not in entry:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
    with translation.override("vi"):
        assert str(SkipReason.NO_RECIPIENT.label).startswith("Không có người nhận")
        assert str(ExpiryReminder._meta.verbose_name) == "nhắc hạn giấy chứng nhận"
