"""Plain helper functions shared by several test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import io

from django.contrib.auth.models import Group
from oscar.apps.basket.models import Basket
from oscar.apps.partner.strategy import Default

from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.roles import ensure_roles

from .conftest import TODAY

#: The password of every user made by :func:`make_user`.
PASSWORD = "mat-khau-123"


def make_user(django_user_model, username: str, *, group: str | None = None, **extra):
    """A user ``username`` with the e-mail ``username@example.vn``, in ``group`` if named (the
    role groups are created first); ``extra`` goes to ``create_user`` (e.g. ``is_staff``)."""
    ensure_roles()
    user = django_user_model.objects.create_user(
        username, f"{username}@example.vn", PASSWORD, **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def import_list(text: str) -> None:
    """Import ``text``, a certificate list in CSV, as on the suite's fixed day; it must import
    without errors."""
    result = import_certificates(io.BytesIO(text.encode()), filename="list.csv", today=TODAY)
    assert result.ok, result.errors


def basket_with(*items: tuple[object, int]) -> Basket:
    """A saved basket holding each ``(product, quantity)``, priced by Oscar's default
    strategy."""
    basket = Basket.objects.create()
    basket.strategy = Default()
    for product, quantity in items:
        basket.add_product(product, quantity)
    return basket
