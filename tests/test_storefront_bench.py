"""What bench/storefront_load.py relies on for a same-data comparison with Oscar's stock
catalogue: the synthetic catalogue satisfies Oscar's search index, ``OCOP_HAYSTACK_WHOOSH_PATH``
switches haystack to a Whoosh index, the stock page then lists the synthetic products, and the
bench refuses to measure a page that lists none."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from haystack import connections
from oscar.apps.catalogue.models import Product
from oscar.apps.search.search_indexes import ProductIndex

from plugins.ocop.catalogue import GOODS_CLASS_SLUG, SERVICE_CLASS_SLUG
from plugins.ocop.models import OcopProduct
from plugins.ocop.storefront import views
from plugins.ocop.storefront.synthetic import build_synthetic_catalogue
from plugins.ocop.templatetags import ocop_storefront

from .conftest import TODAY

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("storefront_load", ROOT / "bench/storefront_load.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules.setdefault(_spec.name, bench)  # dataclasses look their module up there
_spec.loader.exec_module(bench)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(views, "local_today", lambda: TODAY)
    monkeypatch.setattr(ocop_storefront, "local_today", lambda: TODAY)


@pytest.fixture
def thirty_products():
    build_synthetic_catalogue(30, today=TODAY, seed=7)


@pytest.fixture
def stock_catalogue(settings):
    settings.OCOP_EXPOSE_STOCK_CATALOGUE = True


@pytest.fixture
def whoosh_index(tmp_path, settings):
    """Haystack on a Whoosh index in ``tmp_path`` for the test, as the bench configures it."""
    pytest.importorskip("whoosh")
    conf = {
        "default": {
            "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
            "PATH": str(tmp_path / "whoosh"),
        }
    }
    settings.HAYSTACK_CONNECTIONS = conf
    saved = connections.connections_info
    connections.connections_info = conf
    connections.reload("default")
    yield
    connections.connections_info = saved
    connections.reload("default")


def test_synthetic_products_carry_what_oscars_search_index_reads(thirty_products):
    index = ProductIndex()
    products = list(index.index_queryset())
    assert len(products) == 30
    priced = 0
    for product in products:
        doc = index.full_prepare(product)
        ocop = OcopProduct.objects.select_related("group").get(product=product)
        assert doc["is_public"] is True and doc["structure"] == Product.STANDALONE
        assert doc["title"] == ocop.name
        assert doc["product_class"] == product.product_class.name
        assert product.product_class.slug == (
            SERVICE_CLASS_SLUG if ocop.group.is_service else GOODS_CLASS_SLUG
        )
        # One category: the product group's.
        assert doc["category"] == [product.categories.get(slug=ocop.group.slug).pk]
        stockrecord = product.stockrecords.first()
        if stockrecord is None:  # some synthetic products have no price
            assert doc.get("price") is None
        else:
            assert doc["price"] == float(stockrecord.price)
            priced += 1
    assert priced >= 25


@pytest.mark.parametrize(
    ("path", "engine"),
    [
        ("", "haystack.backends.simple_backend.SimpleEngine"),
        ("/tmp/some-index", "haystack.backends.whoosh_backend.WhooshEngine"),
    ],
)
def test_haystack_engine_comes_from_the_environment(tmp_path, path, engine):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ocop_market.settings",
        "OCOP_DATA_DIR": str(tmp_path),
        "OCOP_HAYSTACK_WHOOSH_PATH": path,
    }
    output = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; c = settings.HAYSTACK_CONNECTIONS['default'];"
            "print(c['ENGINE'], c.get('PATH', ''))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert output == [engine, path] if path else [engine]


def test_stock_catalogue_lists_the_synthetic_products_from_a_whoosh_index(
    client, thirty_products, stock_catalogue, whoosh_index
):
    call_command("rebuild_index", interactive=False, verbosity=0)
    pages = [client.get("/stock-catalogue/", {"page": n}) for n in (1, 2, 3)]
    assert [p.status_code for p in pages] == [200, 200, 200]
    found = [bench.listed_in(p.content.decode(), bench.STOCK) for p in pages]
    # 12 a page, like ours; the total is the whole synthetic catalogue.
    assert [f.products for f in found] == [12, 12, 6]
    assert {f.total for f in found} == {30}
    linked = {int(pk) for p in pages for pk in bench.PRODUCT_LINK.findall(p.content.decode())}
    assert linked == set(OcopProduct.objects.values_list("product_id", flat=True))
    bench.check({bench.STOCK: found[0]}, products=30)  # the bench would measure it


def test_bench_refuses_a_stock_page_without_an_index(client, thirty_products, stock_catalogue):
    """The project's default engine has no index: the stock page lists nothing."""
    response = client.get("/stock-catalogue/")
    assert response.status_code == 200
    found = bench.listed_in(response.content.decode(), bench.STOCK)
    assert found.products == 0
    with pytest.raises(bench.BenchError, match="Whoosh index"):
        bench.check({bench.STOCK: found}, products=30)


def test_bench_counts_our_listing(client, thirty_products):
    found = bench.listed_in(client.get("/catalogue/").content.decode(), bench.OURS)
    assert (found.products, found.total) == (12, 30)
    bench.check({bench.OURS: found}, products=30)
    with pytest.raises(bench.BenchError, match="total of 30 products, not the 40"):
        bench.check({bench.OURS: found}, products=40)
