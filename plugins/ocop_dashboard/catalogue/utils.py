"""Which products a partner user sees in the catalogue dashboard (replaces Oscar's rule, which
every catalogue view, bulk action and list uses)."""

from ..workspace import visible_products_q


def partner_product_visibility_q(user):
    """An OCOP product belongs to its producer's users; other products follow Oscar's rule."""
    return visible_products_q(user)
