"""Publishing the OCOP catalogue to a connected Saleor store (đăng sản phẩm OCOP lên Saleor).

One service, ``publish_catalogue``, runs behind the ``ocop_saleor_publish`` command, the
dashboard's Publish button and the Celery tasks. It

1. makes sure the store has the OCOP structure: the attributes ``ocop-stars`` (dropdown:
   3, 4, 5 stars or "no longer valid"), ``ocop-decision-number`` (plain text) and
   ``ocop-valid-until`` (date), the product type ``ocop-product`` carrying them, and one
   category per OCOP product group (``ocop-<group slug>``; Saleor publishes no product
   without a category);
2. creates or updates each OCOP product there, keyed by ``externalReference`` ``ocop:<id>``
   on the product and its one variant: name, category, the three attributes, the variant's SKU
   (the producer's stock-record SKU); and lists it once on every chosen channel whose currency
   is VND, at its price here. Only what differs is sent, so a second run sends no mutation.
   A listing the store later hides is left hidden; the price is kept in step.

Products published are those certified (3★+) today, plus those published before: when a
certificate expires, or an upgrade replaces it, the next publish changes the star attribute
there. ``stars_only`` (the periodic refresh) sends only those attribute changes, for products
whose certificate values differ from what was last sent, without reading every product back.

A product that fails is reported with the store's message and the run goes on; a rejected
token, an unknown channel, a structure the store refuses, or a store that stops answering
ends the run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from oscar.apps.partner.models import StockRecord

from plugins.ocop.models import Certificate, OcopProduct, ProductGroup, local_today

from . import documents
from .client import (
    SaleorClient,
    SaleorError,
    SaleorTokenRejected,
    SaleorUnreachable,
)
from .crypto import TokenDecryptionError
from .error_codes import SaleorErrorCode
from .models import PublishedProduct, PublishRun, SaleorConnection
from .references import external_reference

logger = logging.getLogger(__name__)

STARS_ATTRIBUTE = "ocop-stars"
DECISION_ATTRIBUTE = "ocop-decision-number"
VALID_UNTIL_ATTRIBUTE = "ocop-valid-until"
PRODUCT_TYPE_SLUG = "ocop-product"
PRODUCT_TYPE_NAME = "Sản phẩm OCOP"
CATEGORY_PREFIX = "ocop-"
PUBLISHED_CURRENCY = "VND"
#: The star attribute's value for a product without a valid 3★+ certificate today.
NOT_CERTIFIED = "none"
#: After this many products in a row find the store unreachable, the run ends.
MAX_UNREACHABLE_IN_A_ROW = 3

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class AttributeSpec:
    slug: str
    name: str
    input_type: str
    #: (value name, value externalReference) for choice attributes.
    values: tuple[tuple[str, str], ...] = ()


def star_value_reference(stars: str) -> str:
    return f"{STARS_ATTRIBUTE}-{stars}"


ATTRIBUTES: tuple[AttributeSpec, ...] = (
    AttributeSpec(
        STARS_ATTRIBUTE,
        "Hạng sao OCOP",
        "DROPDOWN",
        (
            ("3 sao", star_value_reference("3")),
            ("4 sao", star_value_reference("4")),
            ("5 sao", star_value_reference("5")),
            ("Không còn hiệu lực", star_value_reference(NOT_CERTIFIED)),
        ),
    ),
    AttributeSpec(DECISION_ATTRIBUTE, "Số quyết định công nhận OCOP", "PLAIN_TEXT"),
    AttributeSpec(VALID_UNTIL_ATTRIBUTE, "Chứng nhận OCOP hiệu lực đến", "DATE"),
)


class PublishAborted(Exception):
    """The whole run cannot go on; ``message`` says why."""

    def __init__(self, code: SaleorErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Desired:
    """What a product should look like in the store."""

    product_id: int
    reference: str
    name: str
    group_id: int
    stars: str
    decision_number: str
    valid_until: str | None
    sku: str | None
    price: Decimal | None


@dataclass
class StoreStructure:
    product_type_id: str | None = None
    #: attribute slug -> id
    attribute_ids: dict[str, str] = field(default_factory=dict)
    #: star value externalReference -> the value's slug in the store
    star_slugs: dict[str, str] = field(default_factory=dict)
    #: product group id -> category id (None when a dry run found it missing)
    categories: dict[int, str | None] = field(default_factory=dict)
    #: the store channels products are listed on: dicts with id, slug, currencyCode
    channels: list[dict] = field(default_factory=list)


@dataclass
class PublishResult:
    store: str
    channel: str = ""
    dry_run: bool = False
    stars_only: bool = False
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    mutations: int = 0
    channels: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fatal: str = ""
    fatal_code: str = ""

    @property
    def ok(self) -> bool:
        return not self.fatal and not self.errors

    def as_dict(self) -> dict:
        return {
            "store": self.store,
            "channel": self.channel,
            "dry_run": self.dry_run,
            "stars_only": self.stars_only,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "mutations": self.mutations,
            "channels": self.channels,
            "errors": self.errors,
            "notes": self.notes,
            "fatal": self.fatal,
            "fatal_code": self.fatal_code,
        }


# What should be there ------------------------------------------------------------------------


def _current_certified(today: dt.date) -> Exists:
    return Exists(
        Certificate.objects.certified_on(today).filter(pk=OuterRef("current_certificate"))
    )


def products_to_publish(connection: SaleorConnection, today: dt.date) -> QuerySet[OcopProduct]:
    """Products certified today, and those published to this store before (to update them)."""
    published = PublishedProduct.objects.filter(connection=connection, product=OuterRef("pk"))
    return (
        OcopProduct.objects.filter(Q(_current_certified(today)) | Q(Exists(published)))
        .select_related("producer", "current_certificate", "product")
        .prefetch_related(
            Prefetch("product__stockrecords", queryset=StockRecord.objects.order_by("pk"))
        )
        .order_by("pk")
    )


def certificate_values(product: OcopProduct, today: dt.date) -> tuple[str, str, str | None]:
    """(star value, decision number, valid until as ISO date) the store should show: the
    stars of the current certificate while it certifies the product, else ``NOT_CERTIFIED``."""
    certificate = product.current_certificate
    if certificate is None:
        return NOT_CERTIFIED, "", None
    stars = str(min(certificate.stars, 5)) if certificate.is_certified(today) else NOT_CERTIFIED
    return stars, certificate.decision_number[:250], certificate.valid_until.isoformat()


def desired_state(product: OcopProduct, today: dt.date) -> Desired:
    stars, decision_number, valid_until = certificate_values(product, today)
    record = next(
        (
            s
            for s in product.product.stockrecords.all()
            if s.partner_id == product.producer.partner_id
        ),
        None,
    )
    return Desired(
        product_id=product.pk,
        reference=external_reference(product),
        name=(product.product.title or product.name)[:250],
        group_id=product.group_id,
        stars=stars,
        decision_number=decision_number,
        valid_until=valid_until,
        sku=(record.partner_sku or None) if record else None,
        price=record.price if record is not None and record.price is not None else None,
    )


# The store's structure ------------------------------------------------------------------------


def _choices(attribute: dict) -> dict[str, str]:
    edges = ((attribute.get("choices") or {}).get("edges")) or []
    return {
        e["node"]["externalReference"]: e["node"]["slug"]
        for e in edges
        if e.get("node") and e["node"].get("externalReference")
    }


def _structure_call(client: SaleorClient, document: str, field_name: str, variables: dict):
    try:
        return client.mutate(document, field_name, variables)
    except (SaleorTokenRejected, SaleorUnreachable):
        raise
    except SaleorError as error:
        raise PublishAborted(
            SaleorErrorCode.STRUCTURE_FAILED,
            f"The store refused to set up the OCOP structure: {error.message}",
        ) from None


def ensure_structure(
    client: SaleorClient,
    *,
    dry_run: bool,
    groups: list[ProductGroup],
    channel_slug: str = "",
    result: PublishResult,
    with_catalogue: bool = True,
) -> StoreStructure:
    """Read (and unless ``dry_run`` create) the attributes, product type, categories; choose
    the channels. ``with_catalogue=False`` (star refresh) needs the attributes only."""
    structure = StoreStructure()
    for spec in ATTRIBUTES:
        attribute = client.execute(documents.ATTRIBUTE_BY_SLUG, {"slug": spec.slug})["attribute"]
        if attribute is None:
            if dry_run:
                result.notes.append(f"would create the attribute {spec.slug}")
                continue
            values = [{"name": name, "externalReference": ref} for name, ref in spec.values]
            attribute = _structure_call(
                client,
                documents.ATTRIBUTE_CREATE,
                "attributeCreate",
                {
                    "input": {
                        "name": spec.name,
                        "slug": spec.slug,
                        "externalReference": spec.slug,
                        "type": "PRODUCT_TYPE",
                        "inputType": spec.input_type,
                        "valueRequired": False,
                        "visibleInStorefront": True,
                        **({"values": values} if values else {}),
                    }
                },
            )["attribute"]
        elif attribute.get("inputType") != spec.input_type:
            raise PublishAborted(
                SaleorErrorCode.STRUCTURE_FAILED,
                f"The store's attribute {spec.slug} is of type {attribute.get('inputType')}, "
                f"not {spec.input_type}; rename or delete it in the store.",
            )
        choices = _choices(attribute)
        for name, ref in spec.values:
            if ref in choices:
                continue
            if dry_run:
                result.notes.append(f"would add the value “{name}” to {spec.slug}")
                continue
            value = _structure_call(
                client,
                documents.ATTRIBUTE_VALUE_CREATE,
                "attributeValueCreate",
                {"attribute": attribute["id"], "input": {"name": name, "externalReference": ref}},
            )["attributeValue"]
            choices[ref] = value["slug"]
        structure.attribute_ids[spec.slug] = attribute["id"]
        if spec.slug == STARS_ATTRIBUTE:
            structure.star_slugs = choices
    if not with_catalogue:
        return structure

    edges = client.execute(documents.PRODUCT_TYPE_BY_SLUG, {"slug": PRODUCT_TYPE_SLUG})[
        "productTypes"
    ]["edges"]
    attribute_ids = list(structure.attribute_ids.values())
    if not edges:
        if dry_run:
            result.notes.append(f"would create the product type {PRODUCT_TYPE_SLUG}")
        else:
            product_type = _structure_call(
                client,
                documents.PRODUCT_TYPE_CREATE,
                "productTypeCreate",
                {
                    "input": {
                        "name": PRODUCT_TYPE_NAME,
                        "slug": PRODUCT_TYPE_SLUG,
                        "kind": "NORMAL",
                        "isShippingRequired": True,
                        "productAttributes": attribute_ids,
                    }
                },
            )["productType"]
            structure.product_type_id = product_type["id"]
    else:
        product_type = edges[0]["node"]
        structure.product_type_id = product_type["id"]
        assigned = {a["id"] for a in product_type.get("productAttributes") or []}
        missing = [a for a in attribute_ids if a not in assigned]
        if missing and dry_run:
            result.notes.append(f"would add {len(missing)} attribute(s) to {PRODUCT_TYPE_SLUG}")
        elif missing:
            _structure_call(
                client,
                documents.PRODUCT_ATTRIBUTE_ASSIGN,
                "productAttributeAssign",
                {
                    "productTypeId": product_type["id"],
                    "operations": [{"id": a, "type": "PRODUCT"} for a in missing],
                },
            )

    for group in groups:
        slug = f"{CATEGORY_PREFIX}{group.slug}"
        category = client.execute(documents.CATEGORY_BY_SLUG, {"slug": slug})["category"]
        if category is None and dry_run:
            result.notes.append(f"would create the category {slug}")
        elif category is None:
            category = _structure_call(
                client,
                documents.CATEGORY_CREATE,
                "categoryCreate",
                {"input": {"name": group.name_vi, "slug": slug}},
            )["category"]
        structure.categories[group.pk] = category["id"] if category else None

    channels = client.execute(documents.CHANNELS)["channels"] or []
    if channel_slug:
        chosen = [c for c in channels if c["slug"] == channel_slug]
        if not chosen:
            known = ", ".join(sorted(c["slug"] for c in channels)) or "none"
            raise PublishAborted(
                SaleorErrorCode.UNKNOWN_CHANNEL,
                f"The store has no channel “{channel_slug}” (its channels: {known}).",
            )
    else:
        chosen = channels
    for channel in chosen:
        if channel.get("currencyCode") == PUBLISHED_CURRENCY:
            structure.channels.append(channel)
        else:
            result.notes.append(
                f"channel {channel['slug']} is in {channel.get('currencyCode')}, not VND: "
                "products are not listed there"
            )
    result.channels = [c["slug"] for c in structure.channels]
    return structure


# One product -------------------------------------------------------------------------------


def _attribute_input(structure: StoreStructure, desired: Desired) -> list[dict]:
    ids = structure.attribute_ids
    values = [
        {
            "id": ids[STARS_ATTRIBUTE],
            "dropdown": {"externalReference": star_value_reference(desired.stars)},
        }
    ]
    if desired.decision_number:
        values.append({"id": ids[DECISION_ATTRIBUTE], "plainText": desired.decision_number})
    if desired.valid_until:
        values.append({"id": ids[VALID_UNTIL_ATTRIBUTE], "date": desired.valid_until})
    return values


def _attributes_match(remote: dict, structure: StoreStructure, desired: Desired) -> bool:
    """Whether the store's product shows the certificate values ``desired`` has (an empty
    decision number or date here is not cleared there)."""
    current: dict[str, object] = {}
    for assigned in remote.get("assignedAttributes") or []:
        slug = (assigned.get("attribute") or {}).get("slug")
        if slug == STARS_ATTRIBUTE:
            current[slug] = (assigned.get("choice") or {}).get("slug")
        elif slug == DECISION_ATTRIBUTE:
            current[slug] = assigned.get("text")
        elif slug == VALID_UNTIL_ATTRIBUTE:
            current[slug] = assigned.get("date")
    star_slug = structure.star_slugs.get(star_value_reference(desired.stars))
    if star_slug is None or current.get(STARS_ATTRIBUTE) != star_slug:
        return False
    if desired.decision_number and current.get(DECISION_ATTRIBUTE) != desired.decision_number:
        return False
    if desired.valid_until and current.get(VALID_UNTIL_ATTRIBUTE) != desired.valid_until:
        return False
    return True


def _price_value(price: Decimal) -> int | str:
    return int(price) if price == price.to_integral_value() else str(price)


def _publish_one(
    client: SaleorClient,
    structure: StoreStructure,
    desired: Desired,
    *,
    dry_run: bool,
    result: PublishResult,
) -> tuple[str, str | None, str | None]:
    """Create or update one product; returns ("created" | "updated" | "unchanged", product id,
    variant id) — ids are None in a dry run that would create them."""
    remote = client.execute(
        documents.PRODUCT_BY_EXTERNAL_REFERENCE, {"externalReference": desired.reference}
    )["product"]
    created = changed = remote is None
    if remote is None:
        if dry_run:
            return "created", None, None
        product_id = client.mutate(
            documents.PRODUCT_CREATE,
            "productCreate",
            {
                "input": {
                    "productType": structure.product_type_id,
                    "category": structure.categories.get(desired.group_id),
                    "name": desired.name,
                    "externalReference": desired.reference,
                    "attributes": _attribute_input(structure, desired),
                }
            },
        )["product"]["id"]
        remote = {"id": product_id, "channelListings": [], "productVariants": {"edges": []}}
    else:
        product_id = remote["id"]
        if (remote.get("productType") or {}).get("slug") != PRODUCT_TYPE_SLUG:
            raise SaleorError(
                f"The store's product {desired.reference} has the product type "
                f"{(remote.get('productType') or {}).get('slug')}, not {PRODUCT_TYPE_SLUG}."
            )
        update: dict = {}
        if remote.get("name") != desired.name:
            update["name"] = desired.name
        category = structure.categories.get(desired.group_id)
        if category and (remote.get("category") or {}).get("id") != category:
            update["category"] = category
        attributes_match = _attributes_match(remote, structure, desired)
        if not attributes_match and not dry_run:
            update["attributes"] = _attribute_input(structure, desired)
        if update or not attributes_match:
            changed = True
            if not dry_run:
                client.mutate(
                    documents.PRODUCT_UPDATE, "productUpdate", {"id": product_id, "input": update}
                )

    variants = [e["node"] for e in (remote.get("productVariants") or {}).get("edges") or []]
    variant = next((v for v in variants if v.get("externalReference") == desired.reference), None)
    if variant is None and desired.sku:
        variant = next((v for v in variants if v.get("sku") == desired.sku), None)
    if variant is None:
        changed = True
        if dry_run:
            return "updated", product_id, None
        variant = client.mutate(
            documents.VARIANT_CREATE,
            "productVariantCreate",
            {
                "input": {
                    "product": product_id,
                    "sku": desired.sku,
                    "name": desired.name,
                    "externalReference": desired.reference,
                    "trackInventory": False,
                    "attributes": [],
                }
            },
        )["productVariant"]
        variant["channelListings"] = []
    elif variant.get("externalReference") != desired.reference or (
        desired.sku and variant.get("sku") != desired.sku
    ):
        changed = True
        if not dry_run:
            client.mutate(
                documents.VARIANT_UPDATE,
                "productVariantUpdate",
                {
                    "id": variant["id"],
                    "input": {"externalReference": desired.reference, "sku": desired.sku},
                },
            )

    if structure.channels and desired.price is None:
        result.notes.append(f"{desired.name} (#{desired.product_id}) has no price: not listed")
    elif structure.channels:
        listed = {
            (item.get("channel") or {}).get("slug") for item in remote.get("channelListings") or []
        }
        prices = {
            (item.get("channel") or {}).get("slug"): (item.get("price") or {}).get("amount")
            for item in variant.get("channelListings") or []
        }
        to_list = [c for c in structure.channels if c["slug"] not in listed]
        to_price = [
            c
            for c in structure.channels
            if prices.get(c["slug"]) is None or Decimal(str(prices[c["slug"]])) != desired.price
        ]
        if to_list:
            changed = True
            if not dry_run:
                client.mutate(
                    documents.PRODUCT_CHANNEL_LISTING_UPDATE,
                    "productChannelListingUpdate",
                    {
                        "id": product_id,
                        "input": {
                            "updateChannels": [
                                {
                                    "channelId": c["id"],
                                    "isPublished": True,
                                    "visibleInListings": True,
                                    "isAvailableForPurchase": True,
                                }
                                for c in to_list
                            ]
                        },
                    },
                )
        if to_price:
            changed = True
            if not dry_run:
                client.mutate(
                    documents.VARIANT_CHANNEL_LISTING_UPDATE,
                    "productVariantChannelListingUpdate",
                    {
                        "id": variant["id"],
                        "input": [
                            {"channelId": c["id"], "price": _price_value(desired.price)}
                            for c in to_price
                        ],
                    },
                )
    outcome = "created" if created else ("updated" if changed else "unchanged")
    return outcome, product_id, variant.get("id")


# The run ------------------------------------------------------------------------------------


def publish_catalogue(
    connection: SaleorConnection,
    *,
    channel_slug: str = "",
    dry_run: bool = False,
    stars_only: bool = False,
    run: PublishRun | None = None,
    progress: ProgressCallback | None = None,
    today: dt.date | None = None,
) -> PublishResult:
    """Publish the OCOP catalogue to ``connection``'s store (see the module docstring).

    ``dry_run`` reads the store and reports what would change, sending no mutation.
    ``progress(done, total)`` is called after each product; ``run`` gets the progress and
    the result."""
    today = today or local_today()
    result = PublishResult(
        store=connection.domain, channel=channel_slug, dry_run=dry_run, stars_only=stars_only
    )
    if run is not None:
        run.state = PublishRun.State.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["state", "started_at"])
    client = None
    try:
        if not connection.is_active:
            raise PublishAborted(
                SaleorErrorCode.STORE_NOT_CONNECTED,
                f"The store {connection.domain} is disconnected; install the app there again.",
            )
        client = SaleorClient(connection.api_url, connection.get_token())
        runner = _refresh_stars if stars_only else _publish_all
        runner(client, connection, result, dry_run=dry_run, today=today, run=run, progress=progress)
    except PublishAborted as error:
        result.fatal, result.fatal_code = error.message, str(error.code)
    except SaleorError as error:
        result.fatal, result.fatal_code = error.message, str(error.code)
    except TokenDecryptionError as error:
        result.fatal, result.fatal_code = str(error), str(SaleorErrorCode.TOKEN_REJECTED)
    result.mutations = client.mutations if client is not None else 0
    if result.fatal:
        logger.warning("Saleor publish to %s stopped: %s", connection.domain, result.fatal)
    if run is not None:
        run.result = result.as_dict()
        run.total = result.total
        run.state = PublishRun.State.FAILED if result.fatal else PublishRun.State.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["result", "total", "done", "state", "finished_at"])
    return result


def _reporter(run: PublishRun | None, progress: ProgressCallback | None, total: int):
    if run is not None:
        run.total = total
        PublishRun.objects.filter(pk=run.pk).update(total=total)

    def report(done: int) -> None:
        if run is not None:
            run.done = done
            if done == total or done % 10 == 0:
                PublishRun.objects.filter(pk=run.pk).update(done=done)
        if progress is not None:
            progress(done, total)

    return report


def _product_error(desired: Desired, product: OcopProduct, error: SaleorError) -> dict:
    return {
        "product": desired.product_id,
        "name": desired.name,
        "producer": product.producer.name,
        "code": str(error.code),
        "message": error.message,
    }


def _publish_all(
    client: SaleorClient,
    connection: SaleorConnection,
    result: PublishResult,
    *,
    dry_run: bool,
    today: dt.date,
    run: PublishRun | None,
    progress: ProgressCallback | None,
) -> None:
    products = products_to_publish(connection, today)
    result.total = products.count()
    groups = list(ProductGroup.objects.filter(pk__in=products.values("group_id")))
    structure = ensure_structure(
        client, dry_run=dry_run, groups=groups, channel_slug=result.channel, result=result
    )
    published = {p.product_id: p for p in PublishedProduct.objects.filter(connection=connection)}
    report = _reporter(run, progress, result.total)
    unreachable_in_a_row = 0
    for done, product in enumerate(products.iterator(chunk_size=200), start=1):
        desired = desired_state(product, today)
        try:
            outcome, product_id, variant_id = _publish_one(
                client, structure, desired, dry_run=dry_run, result=result
            )
        except SaleorTokenRejected:
            raise
        except SaleorError as error:
            result.failed += 1
            result.errors.append(_product_error(desired, product, error))
            unreachable_in_a_row = (
                unreachable_in_a_row + 1 if isinstance(error, SaleorUnreachable) else 0
            )
            if unreachable_in_a_row >= MAX_UNREACHABLE_IN_A_ROW:
                raise PublishAborted(
                    SaleorErrorCode.STORE_UNREACHABLE,
                    f"The store stopped answering ({error.message}); run the publish again later.",
                ) from None
        else:
            unreachable_in_a_row = 0
            setattr(result, outcome, getattr(result, outcome) + 1)
            if not dry_run and product_id:
                _remember(connection, published.get(product.pk), desired, product_id, variant_id)
        report(done)


def _remember(
    connection: SaleorConnection,
    record: PublishedProduct | None,
    desired: Desired,
    product_id: str,
    variant_id: str | None,
) -> None:
    values = {
        "saleor_product_id": product_id,
        "saleor_variant_id": variant_id or "",
        "stars": desired.stars,
        "decision_number": desired.decision_number,
        "valid_until": dt.date.fromisoformat(desired.valid_until) if desired.valid_until else None,
    }
    if record is None:
        PublishedProduct.objects.create(
            connection=connection, product_id=desired.product_id, **values
        )
    elif any(getattr(record, k) != v for k, v in values.items()):
        for name, value in values.items():
            setattr(record, name, value)
        record.save()


def _refresh_stars(
    client: SaleorClient,
    connection: SaleorConnection,
    result: PublishResult,
    *,
    dry_run: bool,
    today: dt.date,
    run: PublishRun | None,
    progress: ProgressCallback | None,
) -> None:
    records = list(
        PublishedProduct.objects.filter(connection=connection)
        .select_related("product__current_certificate", "product__producer", "product__product")
        .order_by("product_id")
    )
    result.total = len(records)
    structure = ensure_structure(
        client, dry_run=dry_run, groups=[], result=result, with_catalogue=False
    )
    report = _reporter(run, progress, result.total)
    for done, record in enumerate(records, start=1):
        stars, decision_number, valid_until = certificate_values(record.product, today)
        sent = record.valid_until.isoformat() if record.valid_until else None
        if (record.stars, record.decision_number, sent) == (stars, decision_number, valid_until):
            result.unchanged += 1
            report(done)
            continue
        desired = Desired(
            product_id=record.product_id,
            reference=external_reference(record.product),
            name=record.product.product.title or record.product.name,
            group_id=record.product.group_id,
            stars=stars,
            decision_number=decision_number,
            valid_until=valid_until,
            sku=None,
            price=None,
        )
        try:
            if not dry_run:
                client.mutate(
                    documents.PRODUCT_UPDATE,
                    "productUpdate",
                    {
                        "id": record.saleor_product_id,
                        "input": {"attributes": _attribute_input(structure, desired)},
                    },
                )
        except SaleorTokenRejected:
            raise
        except SaleorError as error:
            result.failed += 1
            result.errors.append(_product_error(desired, record.product, error))
        else:
            result.updated += 1
            if not dry_run:
                record.stars = stars
                record.decision_number = decision_number
                record.valid_until = dt.date.fromisoformat(valid_until) if valid_until else None
                record.save(
                    update_fields=["stars", "decision_number", "valid_until", "published_at"]
                )
        report(done)
