"""The one definition of "active in modern channels", at the window's edges and beyond."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from plugins.ocop.channels import participation
from plugins.ocop.channels.services import record_activity, record_presence, review_presence
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import (
    ActivitySource,
    Channel,
    Presence,
    PresenceEvent,
    PresenceSource,
    Producer,
    Verification,
)

from .conftest import TODAY

pytestmark = pytest.mark.django_db

LIST = (
    "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định\n"
    'Trà xanh,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,4 sao,'
    "1/QĐ-UBND ngày 01/06/2025\n"
    'Nón lá,Hộ kinh doanh Vũ Thị Thoa,"xã Bình Nghĩa, huyện Bình Lục, tỉnh Hà Nam",'
    "Thủ công mỹ nghệ,3 sao,2/QĐ-UBND ngày 01/01/2024\n"
    'Rượu nếp,Hộ kinh doanh Lê Văn Ba,"xã Nhân Hậu, huyện Lý Nhân",Đồ uống,2 sao,'
    "3/QĐ-UBND ngày 01/06/2025\n"
)


@pytest.fixture
def producers(staff_user):
    result = import_certificates(io.BytesIO(LIST.encode()), filename="list.csv", today=TODAY)
    assert result.ok, result.errors
    return {p.name: p for p in Producer.objects.all()}


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("staff", "staff@example.com", "pw", is_staff=True)


def channel(slug: str) -> Channel:
    return Channel.objects.get(slug=slug)


def active(producer: Producer, as_of: dt.date = TODAY, window_days: int = 90) -> bool:
    return participation.is_active_modern(producer, as_of, window_days)


def sell(producer, slug="shopee", date=TODAY, ref="r1", source=ActivitySource.SALES_REPORT):
    return record_activity(
        producer, channel(slug), date=date, source=source, reference=ref, orders=3
    )


def test_population_is_producers_with_a_valid_three_star_certificate(producers):
    names = set(participation.population(TODAY).values_list("name", flat=True))
    # The 2024 nón lá certificate is valid until 2027; the 2-star rank never counts.
    assert names == {"HTX Chè Liêm Sơn", "Hộ kinh doanh Vũ Thị Thoa"}
    assert (
        not participation.population(dt.date(2024, 1, 1)).filter(name="HTX Chè Liêm Sơn").exists()
    )


def test_activity_on_the_window_edges(producers):
    tea = producers["HTX Chè Liêm Sơn"]
    first_day = participation.window_start(TODAY, 90)
    assert first_day == TODAY - dt.timedelta(days=89)
    sell(tea, date=first_day)
    assert active(tea)
    assert not active(tea, as_of=TODAY + dt.timedelta(days=1))
    assert not active(tea, as_of=first_day - dt.timedelta(days=1))
    assert active(tea, as_of=first_day)
    assert active(tea, as_of=TODAY, window_days=90)
    assert not active(tea, as_of=TODAY, window_days=89)


def test_imported_report_activity_verifies_the_presence(producers):
    tea = producers["HTX Chè Liêm Sơn"]
    sell(tea)
    presence = Presence.objects.get(producer=tea, channel__slug="shopee")
    assert presence.verification == Verification.VERIFIED
    assert presence.source == PresenceSource.IMPORTED
    assert presence.events.filter(action=PresenceEvent.Action.CREATED).exists()


def test_pending_and_rejected_presences_do_not_count(producers, staff_user):
    hat = producers["Hộ kinh doanh Vũ Thị Thoa"]
    presence = record_presence(
        hat,
        channel("lazada"),
        source=PresenceSource.DECLARED,
        listing_url="https://www.lazada.vn/non-la",
    )
    assert presence.verification == Verification.PENDING
    # Activity on the channel entered by staff keeps the declaration pending.
    sell(hat, slug="lazada", source=ActivitySource.STAFF)
    assert Presence.objects.get(pk=presence.pk).verification == Verification.PENDING
    assert not active(hat)
    review_presence(presence, verified=False, user=staff_user, note="link không đúng")
    assert not active(hat)
    review_presence(presence, verified=True, user=staff_user)
    assert active(hat)
    actions = list(presence.events.values_list("action", flat=True))
    assert actions == ["created", "rejected", "verified"]


def test_traditional_channels_do_not_count(producers):
    tea = producers["HTX Chè Liêm Sơn"]
    sell(tea, slug="traditional")
    assert Presence.objects.get(producer=tea).verification == Verification.VERIFIED
    assert not active(tea)


def test_activity_must_be_on_the_verified_channel(producers, staff_user):
    tea = producers["HTX Chè Liêm Sơn"]
    verified = record_presence(tea, channel("winmart"), source=PresenceSource.STAFF)
    review_presence(verified, verified=True, user=staff_user)
    sell(tea, slug="traditional")
    assert not active(tea)
    sell(tea, slug="winmart", ref="r2")
    assert active(tea)


def test_an_expiring_certificate_takes_its_producer_out_of_the_population(producers):
    hat = producers["Hộ kinh doanh Vũ Thị Thoa"]
    expiry = hat.products.get().current_certificate.valid_until
    assert participation.population(expiry).filter(pk=hat.pk).exists()
    assert not participation.population(expiry + dt.timedelta(days=1)).filter(pk=hat.pk).exists()


def test_activity_is_idempotent_on_its_reference(producers):
    tea = producers["HTX Chè Liêm Sơn"]
    first, created = sell(tea)
    again, changed = sell(tea)
    assert created and not changed and first.pk == again.pk


def test_share():
    assert participation.share(1, 3) == participation.Decimal("0.3333")
    assert participation.share(0, 0) == 0


def test_activity_reporting_zero_sales_does_not_count(producers):
    tea = producers["HTX Chè Liêm Sơn"]
    record_activity(
        tea,
        channel("shopee"),
        date=TODAY,
        source=ActivitySource.SALES_REPORT,
        reference="zero",
        orders=0,
        revenue=participation.Decimal(0),
    )
    assert not active(tea)
    record_activity(
        tea,
        channel("shopee"),
        date=TODAY,
        source=ActivitySource.SALES_REPORT,
        reference="some",
        orders=0,
        revenue=participation.Decimal(150000),
    )
    assert active(tea)
