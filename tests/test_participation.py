"""The one definition of "active in modern channels", at the window's edges and beyond."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.db.models import Exists, OuterRef

from plugins.ocop.channels import participation
from plugins.ocop.channels.services import record_activity, record_presence, review_presence
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import (
    ActivitySource,
    Certificate,
    Channel,
    ChannelActivity,
    Presence,
    PresenceEvent,
    PresenceSource,
    Producer,
    Verification,
    add_months,
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


def test_a_window_inside_one_month_looks_at_the_days_themselves(producers):
    tea = producers["HTX Chè Liêm Sơn"]
    sell(tea, date=dt.date(2026, 10, 5), ref="early")
    sell(tea, date=dt.date(2026, 10, 25), ref="late")
    # 11–20 October: sales on the 5th and the 25th of the month, none inside the window.
    assert not active(tea, dt.date(2026, 10, 20), 10)
    assert active(tea, dt.date(2026, 10, 14), 10)  # 5–14
    assert active(tea, dt.date(2026, 10, 25), 10)  # 16–25
    # Windows touching the month's start or end read the month's first and last selling days.
    assert not active(tea, dt.date(2026, 10, 31), 6)  # 26–31
    assert active(tea, dt.date(2026, 10, 31), 7)  # 25–31
    assert not active(tea, dt.date(2026, 10, 4), 4)  # 1–4
    assert active(tea, dt.date(2026, 10, 5), 5)  # 1–5


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


# Many month ends at once ----------------------------------------------------------------------

MODERN = ("shopee", "lazada", "tiki", "winmart", "postmart", "ocop-market")
#: Groups 1, 2 and 4.
GROUPS = ("Thực phẩm", "Đồ uống", "Thủ công mỹ nghệ")


@pytest.fixture
def many_producers(staff_user):
    """Twenty-four producers with certificates granted, re-evaluated and lapsed over four years, and
    presences (verified, pending, rejected; modern and traditional) with activity over fifteen
    months: sales, zero-sales rows, events without figures, and corrections moving an event
    to another month."""
    rng = random.Random(2026)
    rows = ["Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định\n"]
    for n in range(24):
        for product in range(1 + n % 2):
            first = dt.date(2022, 9, 1) + dt.timedelta(days=rng.randrange(4 * 365))
            decisions = [(first, rng.choice((2, 3, 3, 4, 5)))]
            if rng.random() < 0.4:
                decisions.append((first + dt.timedelta(days=rng.randrange(300, 1200)), 4))
            for number, (day, stars) in enumerate(decisions):
                if day <= TODAY:
                    rows.append(
                        f"Sản phẩm {n}-{product},HTX Thử nghiệm {n},"
                        f'"xã Liêm Sơn, huyện Thanh Liêm",{GROUPS[(n + product) % 3]},'
                        f"{stars} sao,{n}{product}{number}/QĐ-UBND ngày {day:%d/%m/%Y}\n"
                    )
    result = import_certificates(io.BytesIO("".join(rows).encode()), filename="l.csv", today=TODAY)
    assert result.ok, result.errors
    for producer in Producer.objects.filter(name__startswith="HTX Thử nghiệm"):
        for slug in rng.sample((*MODERN, "traditional"), 2):
            verification = rng.choice(("verified", "verified", "pending", "rejected"))
            source = (
                ActivitySource.SALES_REPORT if verification == "verified" else ActivitySource.STAFF
            )
            if verification != "verified":
                presence = record_presence(producer, channel(slug), source=PresenceSource.STAFF)
                if verification == "rejected":
                    review_presence(presence, verified=False, user=staff_user)
            for event in range(rng.randrange(0, 5)):
                figures = rng.choice(((3, None), (0, 0), (None, None), (0, 120_000), (2, 0)))
                reference = f"{producer.pk}-{slug}-{event}"
                day = TODAY - dt.timedelta(days=rng.randrange(460))
                moves = (day, day - dt.timedelta(days=rng.randrange(40)))
                for moved in moves[: 1 + (event % 3 == 0)]:
                    record_activity(
                        producer,
                        channel(slug),
                        date=moved,
                        source=source,
                        reference=reference,
                        orders=figures[0],
                        revenue=None if figures[1] is None else participation.Decimal(figures[1]),
                    )


def _counted_one_day_at_a_time(day: dt.date, window_days: int, group: int | None):
    counted = participation.population(day)
    if group is not None:
        counted = counted.filter(
            Exists(
                Certificate.objects.certified_on(day).filter(
                    product__producer=OuterRef("pk"), product__group__code=group
                )
            )
        )
    active = counted.filter(participation.active_modern_condition(day, window_days))
    return counted.count(), active.count()


def test_month_end_counts_agree_with_the_rule_evaluated_one_day_at_a_time(many_producers):
    month_ends = [month - dt.timedelta(days=1) for month in _months_back(15)]
    crafts = Certificate.objects.filter(product__group__code=4)
    for window_days in (1, 12, 30, 31, 45, 90, 200):
        counts = participation.month_end_counts(month_ends, window_days)
        assert counts == [
            _counted_one_day_at_a_time(day, window_days, None) for day in month_ends
        ], window_days
        assert participation.month_end_counts(month_ends, window_days, certificates=crafts) == [
            _counted_one_day_at_a_time(day, window_days, 4) for day in month_ends
        ], window_days
    # The scenario is not trivial: the population and the active count move month by month.
    counts = participation.month_end_counts(month_ends, 90)
    assert len({total for total, _a in counts}) > 3 and len({a for _t, a in counts}) > 3, counts


def _active_from_the_events(day: dt.date, window_days: int) -> set[int]:
    """Producers active on ``day``, straight from the rule's words: a verified presence on a
    modern channel with an event showing selling on that channel in the window."""
    first = participation.window_start(day, window_days)
    verified = set(
        Presence.objects.filter(
            verification=Verification.VERIFIED, channel__is_modern=True
        ).values_list("producer_id", "channel_id")
    )
    return {
        event.producer_id
        for event in ChannelActivity.objects.filter(date__gte=first, date__lte=day)
        if (event.producer_id, event.channel_id) in verified
        and ((event.orders, event.revenue) == (None, None) or event.orders or event.revenue)
    }


def test_the_rule_read_from_the_monthly_selling_days_agrees_with_the_events(many_producers):
    # Month ends and starts, days inside months; windows covering months, their starts, their
    # ends, and windows strictly inside a month (tested on the events themselves).
    days = [TODAY, dt.date(2026, 10, 1), dt.date(2026, 9, 30), dt.date(2026, 8, 17)]
    days += [dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2026, 6, 15)]
    checked = 0
    for day in days:
        for window_days in (1, 5, 15, 17, 28, 31, 46, 90, 200):
            active = participation.population(day).filter(
                participation.active_modern_condition(day, window_days)
            )
            expected = _active_from_the_events(day, window_days) & set(
                participation.population(day).values_list("pk", flat=True)
            )
            assert set(active.values_list("pk", flat=True)) == expected, (day, window_days)
            checked += bool(expected)
    assert checked > 20


def test_month_end_counts_take_month_ends_only():
    assert participation.month_end_counts([], 90) == []
    with pytest.raises(ValueError, match="last days of months"):
        participation.month_end_counts([dt.date(2026, 10, 30)], 90)
    ends = [add_months(dt.date(2020, 1, 1), n) - dt.timedelta(days=1) for n in range(1, 64)]
    with pytest.raises(ValueError, match="at most 62 month ends"):
        participation.month_end_counts(ends, 90)


def _months_back(count: int) -> list[dt.date]:
    """First days of the ``count`` months after the one ``count`` months before TODAY's."""
    first = TODAY.replace(day=1)
    return [add_months(first, -offset) for offset in range(count - 1, -1, -1)]
