"""Activity from orders placed on this marketplace: one per producer and order, through Oscar's
``order_placed`` signal, verifying the producer's presence here."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.apps.basket.models import Basket
from oscar.apps.order.signals import order_placed
from oscar.test.factories import create_order, create_product

from plugins.ocop.channels import participation
from plugins.ocop.channels.orders import record_order_activity
from plugins.ocop.channels.registry import THIS_MARKETPLACE_SLUG
from plugins.ocop.models import (
    ActivitySource,
    Channel,
    ChannelActivity,
    OcopProduct,
    Presence,
    PresenceSource,
    Verification,
)

from .conftest import TODAY
from .helpers import basket_with, import_list

pytestmark = pytest.mark.django_db

LIST = (
    "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định,Giá\n"
    'Trà xanh,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,4 sao,'
    '1/QĐ-UBND ngày 01/06/2025,"150.000"\n'
    'Trà sen,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,3 sao,'
    '4/QĐ-UBND ngày 01/06/2025,"95.500"\n'
    'Nón lá,Hộ kinh doanh Vũ Thị Thoa,"xã Bình Nghĩa, huyện Bình Lục, tỉnh Hà Nam",'
    'Thủ công mỹ nghệ,3 sao,2/QĐ-UBND ngày 01/01/2024,"80.000"\n'
)
#: 18:30 UTC on 28 November is 01:30 on 29 November in Hà Nội.
PLACED = dt.datetime(2026, 11, 28, 18, 30, tzinfo=dt.UTC)


@pytest.fixture
def products():
    import_list(LIST)
    return {o.name: o for o in OcopProduct.objects.select_related("product", "producer")}


def place(basket: Basket, django_capture_on_commit_callbacks, number: str = "100001"):
    with django_capture_on_commit_callbacks(execute=True):
        return create_order(number=number, basket=basket, date_placed=PLACED)


def test_an_order_records_one_activity_per_producer_on_this_marketplace(
    products, django_capture_on_commit_callbacks
):
    other = create_product(title="Not OCOP", partner_name="Another shop", price=Decimal(50000))
    basket = basket_with(
        (products["Trà sen"].product, 1),
        (products["Trà xanh"].product, 2),
        (products["Nón lá"].product, 1),
        (other, 3),
    )
    order = place(basket, django_capture_on_commit_callbacks)

    activities = ChannelActivity.objects.filter(source=ActivitySource.ORDER)
    assert activities.count() == 2
    tea_producer = products["Trà xanh"].producer
    tea = activities.get(producer=tea_producer)
    assert tea.channel.slug == THIS_MARKETPLACE_SLUG
    assert tea.reference == f"order:{order.number}:{tea_producer.pk}"
    assert (tea.orders, tea.revenue) == (1, Decimal(95500 + 2 * 150000))
    assert tea.product == products["Trà sen"]  # the producer's first OCOP product in the lines
    assert tea.date == dt.date(2026, 11, 29)  # the day in Asia/Ho_Chi_Minh, not UTC
    hat = activities.get(producer=products["Nón lá"].producer)
    assert (hat.revenue, hat.product) == (Decimal(80000), products["Nón lá"])

    presence = Presence.objects.get(producer=tea_producer, channel__slug=THIS_MARKETPLACE_SLUG)
    assert presence.verification == Verification.VERIFIED
    assert presence.source == PresenceSource.ORDERS
    assert participation.is_active_modern(tea_producer, TODAY)


def test_the_same_order_signalled_twice_records_one_activity(
    products, django_capture_on_commit_callbacks
):
    order = place(
        basket_with((products["Trà xanh"].product, 1)), django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        order_placed.send(sender=None, order=order, user=None)
        order_placed.send(sender=None, order=order, user=None)
    assert ChannelActivity.objects.filter(source=ActivitySource.ORDER).count() == 1
    assert Presence.objects.get().events.count() == 1
    record_order_activity(order)
    assert ChannelActivity.objects.filter(source=ActivitySource.ORDER).count() == 1


def test_each_order_is_its_own_activity(products, django_capture_on_commit_callbacks):
    place(basket_with((products["Trà xanh"].product, 1)), django_capture_on_commit_callbacks)
    place(
        basket_with((products["Trà xanh"].product, 1)),
        django_capture_on_commit_callbacks,
        number="100002",
    )
    assert ChannelActivity.objects.filter(source=ActivitySource.ORDER).count() == 2


def test_an_order_without_ocop_producers_records_nothing(django_capture_on_commit_callbacks):
    other = create_product(title="Not OCOP", partner_name="Another shop", price=Decimal(50000))
    order = place(basket_with((other, 1)), django_capture_on_commit_callbacks)
    assert order.lines.count() == 1
    assert not ChannelActivity.objects.exists() and not Presence.objects.exists()


def test_nothing_is_recorded_before_the_order_commits(products):
    create_order(number="100003", basket=basket_with((products["Trà xanh"].product, 1)))
    # The test's transaction never commits, so the hook has not run.
    assert not ChannelActivity.objects.exists()


def test_a_tracking_failure_is_logged_and_never_breaks_checkout(
    products, django_capture_on_commit_callbacks, caplog
):
    Channel.objects.filter(slug=THIS_MARKETPLACE_SLUG).delete()
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        order = place(
            basket_with((products["Trà xanh"].product, 1)), django_capture_on_commit_callbacks
        )
    assert order.pk and order.lines.count() == 1
    assert not ChannelActivity.objects.exists()
    assert "record_after_commit" in caplog.text


def test_order_date_is_local_even_when_another_time_zone_is_active(
    products, django_capture_on_commit_callbacks
):
    with timezone.override("UTC"):
        place(basket_with((products["Nón lá"].product, 1)), django_capture_on_commit_callbacks)
    assert ChannelActivity.objects.get().date == dt.date(2026, 11, 29)


def test_queries_per_order_do_not_grow_with_its_lines(products, django_capture_on_commit_callbacks):
    tea, lotus = products["Trà xanh"].product, products["Trà sen"].product
    place(basket_with((tea, 1)), django_capture_on_commit_callbacks)  # the presence exists now
    one_line = create_order(number="200001", basket=basket_with((tea, 1)))
    two_lines = create_order(number="200002", basket=basket_with((tea, 3), (lotus, 2)))
    with CaptureQueriesContext(connection) as few:
        record_order_activity(one_line)
    with CaptureQueriesContext(connection) as many:
        record_order_activity(two_lines)
    assert len(few.captured_queries) == len(many.captured_queries)
    producer = products["Trà xanh"].producer
    reference = f"order:200002:{producer.pk}"
    assert ChannelActivity.objects.get(reference=reference).revenue == Decimal(
        3 * 150000 + 2 * 95500
    )
