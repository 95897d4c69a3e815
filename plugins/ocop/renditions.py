"""Resized renditions of product photos, made when a photo is saved so pages never make them.

Oscar's templates ask its thumbnailer (sorl-thumbnail, ``OSCAR_THUMBNAILER``) for a photo at a
geometry; sorl makes the rendition on the first request and remembers it in its key-value
store. Saving a ``ProductImage`` queues ``generate_photo_renditions`` (after the transaction
commits; eager on the embedded default, a worker in production), which asks for every geometry
the storefront uses with exactly the templates' options, so the key is the same and the page
finds the rendition ready. Renditions go to the default storage: local disk or the S3 bucket.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from oscar.core.thumbnails import get_thumbnailer

logger = logging.getLogger(__name__)

#: Every geometry the storefront asks for, with the options its templates pass (``size`` and
#: keyword arguments of ``{% oscar_thumbnail %}``). Change both together.
RENDITIONS: dict[str, dict[str, object]] = {
    # storefront_theme/templates/ocop/partials/product_card.html
    "card": {"size": "300x300", "crop": "center", "upscale": False},
    # oscar/catalogue/partials/gallery.html: the product page's main photo and its thumbnails
    "page": {"size": "440x400", "upscale": False},
    "gallery": {"size": "65x55", "crop": "center"},
    # oscar/basket/partials/basket_content.html, basket_quick.html, checkout/checkout.html
    "basket": {"size": "100x100", "upscale": False},
}


def generate_renditions(image) -> dict[str, object]:
    """Make (or find) every rendition of a ``ProductImage``; returns sorl's image files."""
    thumbnailer = get_thumbnailer()
    return {
        name: thumbnailer.generate_thumbnail(image.original, **dict(options))
        for name, options in RENDITIONS.items()
    }


@shared_task(name="ocop.generate_photo_renditions")
def generate_photo_renditions(image_id: int) -> dict[str, str]:
    """Renditions of one product photo; the names of the files made, by rendition."""
    from oscar.apps.catalogue.models import ProductImage

    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None or not image.original:
        return {}
    return {name: thumb.name for name, thumb in generate_renditions(image).items()}


def queue_renditions(sender, instance, **kwargs) -> None:
    """``post_save`` of ``ProductImage``: make the renditions once the photo is committed. A
    rendition that fails is logged, not raised: the page would then make it on request."""
    if kwargs.get("raw") or not instance.original:
        return
    image_id = instance.pk

    def run() -> None:
        try:
            generate_photo_renditions.delay(image_id)
        except Exception:
            logger.exception("Renditions of product image %s failed", image_id)

    transaction.on_commit(run)
