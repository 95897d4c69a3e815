"""A SYNTHETIC OCOP catalogue of any size, for scale tests and the storefront benchmark.

Nothing here is real data: producers, products, places, decision numbers and prices are
composed from word lists by a fixed-seed ``random.Random``, so the same call builds the same
catalogue. It is written the way the certificate import writes (partners, producers, Oscar
products and their categories, OCOP products, stock records, certificates, then each product's
current certificate), with ``bulk_create``, so 10,000 products take a few seconds. Oscar product
attributes are not written: the storefront reads certificates, not attributes, and Oscar's search
index (``ProductIndex``, indexed by the benchmark for Oscar's stock catalogue) reads the product
class, categories, stock record and public flag, which are all written.

Relative to ``today`` the catalogue holds every state a shopper can meet: most products are
certified (3★ to 5★, some within 90 days of expiry), about one in ten has an expired
certificate, a few carry a legacy 2★ rank or a revoked certificate, a few were upgraded (an
older, superseded certificate), some have no price.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import lru_cache

from django.db import transaction
from django.db.models import OuterRef, Subquery
from oscar.apps.catalogue.models import Product, ProductCategory
from oscar.apps.partner.models import Partner, StockRecord

from ..catalogue import ensure_catalogue_structure
from ..importer.certificates import producer_search_key
from ..models import (
    VALIDITY_MONTHS,
    Certificate,
    IssuingLevel,
    OcopProduct,
    Producer,
    ProducerType,
    add_months,
)
from ..text import key, slugify

#: Products per producer, on average.
PRODUCTS_PER_PRODUCER = 3

#: (group code, product kinds) — "Bánh đa" is there so searches have something to find.
KINDS: dict[int, tuple[str, ...]] = {
    1: ("Bánh đa", "Giò bò", "Cá kho", "Mật ong", "Tương", "Gạo nếp", "Ruốc tôm", "Bánh cáy"),
    2: ("Trà xanh", "Rượu nếp", "Chè búp", "Cà phê", "Trà sen"),
    3: ("Cao lá vằng", "Trà hoa hòe", "Tinh dầu sả", "Cao dược liệu"),
    4: ("Nón lá", "Khăn thêu", "Chiếu cói", "Trống da", "Lụa tơ tằm"),
    5: ("Cây cảnh", "Đào thế", "Lan hồ điệp"),
    6: ("Du lịch sinh thái", "Trải nghiệm làng nghề"),
}
GROUP_WEIGHTS = (40, 20, 10, 15, 10, 5)
#: (code, province after 2025, 2024 province, 2024 districts with codes)
PROVINCES: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("37", "Ninh Bình", "Hà Nam", (("347", "Thành phố Phủ Lý"), ("353", "Huyện Lý Nhân"))),
    ("37", "Ninh Bình", "Nam Định", (("356", "Huyện Vụ Bản"), ("360", "Huyện Hải Hậu"))),
    ("01", "Hà Nội", "Hà Nội", (("271", "Huyện Ba Vì"), ("277", "Huyện Thạch Thất"))),
    ("19", "Thái Nguyên", "Thái Nguyên", (("167", "Huyện Đại Từ"), ("168", "Huyện Phú Bình"))),
    ("15", "Lào Cai", "Yên Bái", (("136", "Huyện Văn Chấn"),)),
    ("22", "Quảng Ninh", "Quảng Ninh", (("202", "Huyện Vân Đồn"), ("205", "Huyện Tiên Yên"))),
)
COMMUNE_NAMES = (
    "Nhân Hậu",
    "Liêm Sơn",
    "Đọi Sơn",
    "Nguyên Lý",
    "Hòa Hậu",
    "Yên Nam",
    "Thanh Hà",
    "An Lão",
    "Tam Chúc",
    "Kim Bình",
    "Đông Hòa",
    "Bình Nghĩa",
    "Phú Đa",
    "Đồng Tâm",
)
VILLAGES = (
    "Làng nghề bánh đa Nam Ninh",
    "Làng trống Đọi Tam",
    "Làng thêu ren An Hòa",
    "Làng dệt Nha Xá",
    "Làng mây tre đan Ngọc Động",
    "Làng sừng Đô Hai",
)
PRODUCER_PREFIXES = (
    ("HTX", ProducerType.COOPERATIVE),
    ("Tổ hợp tác", ProducerType.COOPERATIVE_GROUP),
    ("Công ty TNHH", ProducerType.ENTERPRISE),
    ("Hộ kinh doanh", ProducerType.HOUSEHOLD),
)
_LEVEL_BY_STARS = {
    2: IssuingLevel.DISTRICT,
    3: IssuingLevel.DISTRICT,
    4: IssuingLevel.PROVINCE,
    5: IssuingLevel.CENTRAL,
}


@dataclass(frozen=True)
class SyntheticCatalogue:
    products: int
    producers: int
    certificates: int


@transaction.atomic
def build_synthetic_catalogue(
    count: int, *, today: dt.date, seed: int = 2024
) -> SyntheticCatalogue:
    """Write ``count`` synthetic OCOP products (and their producers) for ``today``."""
    rng = random.Random(seed)
    structure = ensure_catalogue_structure()
    group_by_code = {g.code: g for g, _category in structure.groups.values()}
    category_by_group = {g.id: c for g, c in structure.groups.values()}
    start = OcopProduct.objects.count()

    producers = _producers(rng, max(1, count // PRODUCTS_PER_PRODUCER), start)
    partners = Partner.objects.bulk_create(
        [Partner(name=p.name[:128], code=f"synthetic-{start}-{i}") for i, p in enumerate(producers)]
    )
    for producer, partner in zip(producers, partners, strict=True):
        producer.partner = partner
    Producer.objects.bulk_create(producers)

    # Folding is the slow part of writing names, and names repeat their parts: fold each part
    # once. A product's search key is the importer's ``search_key``: its folded name first, then
    # its producer's part, which is the same for all the producer's products.
    fold_once = lru_cache(maxsize=None)(key)
    producer_keys = {id(p): producer_search_key(p) for p in producers}
    plans = []
    for n in range(count):
        group = group_by_code[rng.choices(range(1, 7), weights=GROUP_WEIGHTS)[0]]
        producer = producers[n % len(producers)]
        stem = f"{rng.choice(KINDS[group.code])} {producer.commune.split(' ', 1)[-1]}"
        name_key = f"{fold_once(stem)} {start + n}"
        plans.append(
            (
                group,
                producer,
                f"{stem} {start + n}",
                name_key,
                f"{name_key} | {producer_keys[id(producer)]}",
            )
        )
    oscar_products = Product.objects.bulk_create(
        [
            Product(
                structure=Product.STANDALONE,
                title=name,
                slug=slugify(name)[:128],
                product_class=structure.product_class_for(group.id),
                description=f"{name}: sản phẩm minh họa (synthetic) của {producer.name}.",
                is_public=True,
            )
            for group, producer, name, _name_key, _search_key in plans
        ]
    )
    ocops = OcopProduct.objects.bulk_create(
        [
            OcopProduct(
                product=product,
                producer=producer,
                group=group,
                name=name,
                match_key=name_key,
                search_key=product_search_key,
            )
            for (group, producer, name, name_key, product_search_key), product in zip(
                plans, oscar_products, strict=True
            )
        ]
    )
    ProductCategory.objects.bulk_create(
        [ProductCategory(product=o.product, category=category_by_group[o.group_id]) for o in ocops]
    )
    StockRecord.objects.bulk_create(
        [
            StockRecord(
                partner_id=o.producer.partner_id,
                product=o.product,
                partner_sku=f"OCOP-{o.product.pk}",
                price_currency="VND",
                price=rng.randrange(20, 2000) * 1000,
            )
            for o in ocops
            if rng.random() > 0.03
        ]
    )
    certificates = [c for n, o in enumerate(ocops) for c in _certificates(rng, o, n, today)]
    Certificate.objects.bulk_create(certificates)
    OcopProduct.objects.filter(pk__in=[o.pk for o in ocops]).update(
        current_certificate=Subquery(
            Certificate.objects.filter(product=OuterRef("pk"))
            .order_by("-decision_date", "-pk")
            .values("pk")[:1]
        )
    )
    return SyntheticCatalogue(len(ocops), len(producers), len(certificates))


def _producers(rng: random.Random, count: int, start: int) -> list[Producer]:
    producers = []
    for i in range(count):
        code, province, old_province, districts = rng.choice(PROVINCES)
        district_code, district = rng.choice(districts)
        commune_index = rng.randrange(len(COMMUNE_NAMES))
        commune = COMMUNE_NAMES[commune_index]
        prefix, kind = rng.choice(PRODUCER_PREFIXES)
        name = f"{prefix} {commune} {start + i}"
        producers.append(
            Producer(
                name=name,
                match_key=key(name),
                type=kind,
                address=f"Xã {commune}, {district}, Tỉnh {old_province}",
                craft_village=rng.choice(VILLAGES) if rng.random() < 0.2 else "",
                legacy_province=f"Tỉnh {old_province}",
                legacy_district=district,
                legacy_district_code=district_code,
                legacy_commune=f"Xã {commune}",
                province=province,
                province_code=code,
                commune=f"Xã {commune}",
                commune_code=f"{code}{commune_index:03d}",
            )
        )
    return producers


def _certificates(
    rng: random.Random, ocop: OcopProduct, n: int, today: dt.date
) -> list[Certificate]:
    """One product's decisions: usually one, two when it was upgraded."""
    roll = rng.random()
    stars = rng.choices((3, 4, 5), weights=(50, 35, 15))[0]
    revoked_on = None
    if roll < 0.10:  # expired: decided more than 36 months ago
        decided = today - dt.timedelta(days=rng.randint(1100, 1800))
    elif roll < 0.14:  # a legacy 2★ rank from the 2019 rules
        stars, decided = 2, today - dt.timedelta(days=rng.randint(30, 900))
    elif roll < 0.17:
        decided = today - dt.timedelta(days=rng.randint(30, 900))
        revoked_on = today - dt.timedelta(days=10)
    else:
        decided = today - dt.timedelta(days=rng.randint(1, 1060))
    history = []
    if stars > 3 and 0.17 <= roll < 0.22:  # upgraded from one star less
        older = decided - dt.timedelta(days=rng.randint(200, 500))
        history.append(_certificate(ocop, stars - 1, older, n, superseded_on=decided))
    history.append(_certificate(ocop, stars, decided, n, revoked_on=revoked_on))
    return history


def _certificate(
    ocop: OcopProduct,
    stars: int,
    decided: dt.date,
    n: int,
    *,
    superseded_on: dt.date | None = None,
    revoked_on: dt.date | None = None,
) -> Certificate:
    return Certificate(
        product=ocop,
        stars=stars,
        score={2: 45, 3: 60, 4: 78, 5: 92}[stars],
        decision_number=f"{n % 9000 + 100}/QĐ-UBND",
        decision_date=decided,
        issuing_level=_LEVEL_BY_STARS[stars],
        valid_until=add_months(decided, VALIDITY_MONTHS),
        superseded_on=superseded_on,
        superseded_by_upgrade=superseded_on is not None,
        revoked_on=revoked_on,
    )
