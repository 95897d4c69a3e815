"""Storefront URLs mounted before Oscar's, so OCOP pages take over where they overlap."""

from django.urls import path, re_path

from . import pages, views

app_name = "ocop-store"

urlpatterns: list = [
    path("", pages.HomeView.as_view(), name="home"),
    path("chu-the/<int:pk>/", pages.ProducerView.as_view(), name="producer"),
    path("truy-xuat/<int:pk>/", pages.TraceView.as_view(), name="trace"),
    path("truy-xuat/<int:pk>/qr.svg", pages.TraceQrView.as_view(), name="trace-qr"),
    # Catalogue, category pages, search and the product page, at Oscar's own paths (Oscar's
    # URL names keep resolving to them).
    path("catalogue/", views.CatalogueView.as_view(), name="catalogue"),
    re_path(
        r"^catalogue/category/(?P<category_slug>[\w-]+(/[\w-]+)*)_(?P<pk>\d+)/$",
        views.CategoryView.as_view(),
        name="category",
    ),
    re_path(
        r"^catalogue/(?P<product_slug>[\w-]*)_(?P<pk>\d+)/$",
        views.ProductDetailView.as_view(),
        name="product",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    # Oscar's stock catalogue, for the benchmark only (404 unless OCOP_EXPOSE_STOCK_CATALOGUE).
    path("stock-catalogue/", views.StockCatalogueView.as_view(), name="stock-catalogue"),
]
