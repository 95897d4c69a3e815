"""The GraphQL API: the public catalogue, its fixed query cost, and who may read the report."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.apps.catalogue.models import Product

from plugins.ocop.channels.report import build_channel_report
from plugins.ocop.channels.services import record_activity
from plugins.ocop.graphql import types as graphql_types
from plugins.ocop.graphql.auth import create_api_token
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import (
    ActivitySource,
    ApiToken,
    Channel,
    OcopProduct,
    Producer,
)
from plugins.ocop.roles import DEPARTMENT_VIEWER, ensure_roles

from .conftest import TODAY

pytestmark = pytest.mark.django_db

LIST = (
    "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định,Giá,Ghi chú\n"
    'Bánh đa nem Làng Chều,HTX Bánh đa Làng Chều,"xã Nguyên Lý, huyện Lý Nhân, tỉnh Hà Nam",'
    "Thực phẩm,4 sao,1/QĐ-UBND ngày 01/06/2025,45.000,\n"
    'Trà xanh Liêm Sơn,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam",'
    "Đồ uống,4 sao,2/QĐ-UBND ngày 01/03/2023,120.000,\n"
    'Trà xanh Liêm Sơn,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam",'
    "Đồ uống,5 sao,145/QĐ-BNN-VPĐP ngày 01/03/2025,,\n"
    'Nón lá Bình Nghĩa,Hộ kinh doanh Vũ Thị Thoa,"xã Bình Nghĩa, huyện Bình Lục, tỉnh Hà Nam",'
    "Thủ công mỹ nghệ,3 sao,3/QĐ-UBND ngày 01/01/2024,,\n"
    'Mật ong Kim Bảng,HTX Ong mật Kim Bảng,"xã Thanh Sơn, huyện Kim Bảng, tỉnh Hà Nam",'
    "Thực phẩm,4 sao,4/QĐ-UBND ngày 01/06/2022,,\n"
    'Rượu nếp Nhân Hậu,Hộ kinh doanh Lê Văn Ba,"xã Nhân Hậu, huyện Lý Nhân, tỉnh Hà Nam",'
    "Đồ uống,2 sao,5/QĐ-UBND ngày 01/06/2025,,\n"
    'Dưa chuột bao tử,HTX Rau sạch Nhân Hậu,"xã Nhân Hậu, huyện Lý Nhân, tỉnh Hà Nam",'
    "Thực phẩm,3 sao,6/QĐ-UBND ngày 01/06/2025,,Đã thu hồi\n"
    'Tương Bần,HTX Bánh đa Làng Chều,"xã Nguyên Lý, huyện Lý Nhân, tỉnh Hà Nam",'
    "Thực phẩm,3 sao,7/QĐ-UBND ngày 01/06/2025,,\n"
)
#: Public products certified today (the 2022 honey has expired, the 2★ wine is a legacy rank,
#: the gherkins' certificate was revoked, the Tương Bần product is hidden).
CERTIFIED = {"Bánh đa nem Làng Chều", "Trà xanh Liêm Sơn", "Nón lá Bình Nghĩa"}

PRODUCT_FIELDS = """
    id name slug url currentStars certified price
    group { code name }
    producer { id name type district commune craftVillage }
    certificate { stars score decisionNumber decisionDate issuingLevel validUntil status }
    certificates { stars decisionDate status certified }
"""


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(graphql_types, "local_today", lambda: TODAY)


def import_list(text: str) -> None:
    result = import_certificates(io.BytesIO(text.encode()), filename="list.csv", today=TODAY)
    assert result.ok, result.errors


@pytest.fixture
def catalogue():
    import_list(LIST)
    hidden = OcopProduct.objects.get(name="Tương Bần").product
    hidden.is_public = False
    hidden.save()
    return {p.name: p for p in OcopProduct.objects.select_related("producer")}


def gql(client, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = client.post(
        "/graphql/",
        {"query": query, "variables": variables or {}},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    assert b"Traceback" not in response.content
    return response.json()


def products(client, **arguments) -> list[dict]:
    query = (
        "query($stars: Int, $minStars: Int, $group: Int, $district: String, $search: String,"
        " $first: Int, $offset: Int) { products(stars: $stars, minStars: $minStars,"
        " group: $group, district: $district, search: $search, first: $first, offset: $offset)"
        f" {{ {PRODUCT_FIELDS} }} }}"
    )
    result = gql(client, query, {"first": 100, **arguments})
    assert "errors" not in result, result["errors"]
    return result["data"]["products"]


def names(items: list[dict]) -> set[str]:
    return {item["name"] for item in items}


def error_codes(result: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


# Public catalogue ---------------------------------------------------------------------------


def test_catalogue_lists_only_public_products(client, catalogue):
    listed = names(products(client))
    assert "Tương Bần" not in listed
    assert listed == set(catalogue) - {"Tương Bần"}
    hidden = catalogue["Tương Bần"]
    result = gql(client, "query($id: ID!) { product(id: $id) { name } }", {"id": hidden.pk})
    assert result["data"]["product"] is None


def test_star_filter_counts_only_certified_products(client, catalogue):
    assert names(products(client, stars=4)) == {"Bánh đa nem Làng Chều"}
    assert names(products(client, stars=5)) == {"Trà xanh Liêm Sơn"}
    assert names(products(client, minStars=3)) == CERTIFIED
    assert names(products(client, minStars=4)) == {"Bánh đa nem Làng Chều", "Trà xanh Liêm Sơn"}


def test_expired_certificate_drops_product_from_star_filter(client, catalogue):
    (honey,) = products(client, search="mat ong")
    assert honey["currentStars"] is None
    assert honey["certified"] is False
    assert honey["certificate"]["stars"] == 4
    assert honey["certificate"]["status"] == "EXPIRED"
    assert honey["certificate"]["validUntil"] == "2025-06-01"
    assert "Mật ong Kim Bảng" not in names(products(client, stars=4))


def test_legacy_two_star_rank_is_never_certified(client, catalogue):
    (wine,) = products(client, search="ruou nep")
    assert wine["currentStars"] is None
    assert wine["certified"] is False
    assert wine["certificate"]["stars"] == 2
    assert wine["certificate"]["status"] == "VALID"
    assert wine["certificates"] == [
        {"stars": 2, "decisionDate": "2025-06-01", "status": "VALID", "certified": False}
    ]
    result = gql(client, "{ products(stars: 2) { name } }")
    assert error_codes(result) == ["INVALID_ARGUMENT"]
    assert result["data"] is None


def test_revoked_certificate_carries_no_stars(client, catalogue):
    (gherkins,) = products(client, search="dua chuot")
    assert gherkins["currentStars"] is None
    assert gherkins["certificate"]["status"] == "REVOKED"


def test_upgrade_keeps_the_history_and_shows_the_new_stars(client, catalogue):
    (tea,) = products(client, search="tra xanh")
    assert tea["currentStars"] == 5
    assert tea["certified"] is True
    assert tea["certificate"]["decisionNumber"] == "145/QĐ-BNN-VPĐP"
    assert tea["certificate"]["issuingLevel"] == "CENTRAL"
    assert [(c["stars"], c["status"]) for c in tea["certificates"]] == [
        (4, "UPGRADED"),
        (5, "VALID"),
    ]
    assert tea["price"] == 120000


def test_search_ignores_diacritics_and_case(client, catalogue):
    assert names(products(client, search="banh")) == {"Bánh đa nem Làng Chều"}
    assert names(products(client, search="BÁNH ĐA")) == {"Bánh đa nem Làng Chều"}
    # The producer's name is searched too: "chè liêm sơn" is the tea's producer.
    assert names(products(client, search="Che Liem Son")) == {"Trà xanh Liêm Sơn"}
    assert products(client, search="không có") == []


def test_product_fields(client, catalogue):
    banh = catalogue["Bánh đa nem Làng Chều"]
    result = gql(
        client, f"query($id: ID!) {{ product(id: $id) {{ {PRODUCT_FIELDS} }} }}", {"id": banh.pk}
    )
    product = result["data"]["product"]
    assert product["id"] == str(banh.pk)
    assert product["slug"] == banh.product.slug
    assert product["url"] == banh.product.get_absolute_url()
    assert product["price"] == 45000
    assert product["currentStars"] == 4
    assert product["group"] == {"code": 1, "name": "Thực phẩm"}
    assert product["producer"] == {
        "id": str(banh.producer.pk),
        "name": "HTX Bánh đa Làng Chều",
        "type": "COOPERATIVE",
        "district": "Huyện Lý Nhân",
        "commune": banh.producer.commune,
        "craftVillage": "",
    }
    assert product["certificate"] == {
        "stars": 4,
        "score": None,
        "decisionNumber": "1/QĐ-UBND",
        "decisionDate": "2025-06-01",
        "issuingLevel": banh.current_certificate.issuing_level.upper(),
        "validUntil": "2028-06-01",
        "status": "VALID",
    }
    for unknown in ("nope", "-1", "9" * 30):
        result = gql(client, "query($id: ID!) { product(id: $id) { name } }", {"id": unknown})
        assert result == {"data": {"product": None}}


def test_group_and_district_filters(client, catalogue):
    assert names(products(client, group=2)) == {"Trà xanh Liêm Sơn", "Rượu nếp Nhân Hậu"}
    in_ly_nhan = {"Bánh đa nem Làng Chều", "Rượu nếp Nhân Hậu", "Dưa chuột bao tử"}
    assert names(products(client, district="ly nhan")) == in_ly_nhan
    assert names(products(client, district="Huyện Lý Nhân")) == in_ly_nhan
    code = Producer.objects.get(name="HTX Chè Liêm Sơn").legacy_district_code
    assert names(products(client, district=code)) == {"Trà xanh Liêm Sơn"}
    assert products(client, district="Hoàn Kiếm") == []


def test_pagination(client, catalogue):
    every = [p["name"] for p in products(client)]
    assert every == sorted(every)
    page = [p["name"] for p in products(client, first=2, offset=1)]
    assert page == every[1:3]
    for bad in ({"first": 0}, {"first": 101}, {"offset": -1}):
        query = (
            "query($first: Int, $offset: Int) { products(first: $first, offset: $offset) { id } }"
        )
        assert error_codes(gql(client, query, bad)) == ["INVALID_ARGUMENT"]


def test_producers_with_their_public_products(client, catalogue):
    query = """query($district: String, $type: ProducerType) {
        producers(district: $district, type: $type) {
            id name type district products { name currentStars producer { name } }
        }
    }"""
    result = gql(client, query, {"district": "Lý Nhân", "type": "COOPERATIVE"})
    producers = {p["name"]: p for p in result["data"]["producers"]}
    assert set(producers) == {"HTX Bánh đa Làng Chều", "HTX Rau sạch Nhân Hậu"}
    # The hidden Tương Bần is not among its producer's products.
    assert producers["HTX Bánh đa Làng Chều"]["products"] == [
        {
            "name": "Bánh đa nem Làng Chều",
            "currentStars": 4,
            "producer": {"name": "HTX Bánh đa Làng Chều"},
        }
    ]
    households = gql(client, query, {"type": "HOUSEHOLD"})["data"]["producers"]
    assert {p["name"] for p in households} == {
        "Hộ kinh doanh Vũ Thị Thoa",
        "Hộ kinh doanh Lê Văn Ba",
    }

    tea = catalogue["Trà xanh Liêm Sơn"].producer
    single = gql(
        client,
        "query($id: ID!) { producer(id: $id) { name products { name currentStars } } }",
        {"id": tea.pk},
    )["data"]["producer"]
    assert single == {
        "name": "HTX Chè Liêm Sơn",
        "products": [{"name": "Trà xanh Liêm Sơn", "currentStars": 5}],
    }


def test_channels(client, catalogue):
    channels = gql(client, "{ channels { name slug kind isModern } }")["data"]["channels"]
    by_slug = {c["slug"]: c for c in channels}
    assert len(channels) == Channel.objects.count()
    assert by_slug["shopee"] == {
        "name": "Shopee",
        "slug": "shopee",
        "kind": "MARKETPLACE",
        "isModern": True,
    }
    assert by_slug["traditional"]["isModern"] is False


def test_unexpected_failures_answer_internal_error_without_details(client, catalogue, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Product, "get_absolute_url", broken)
    result = gql(client, "{ products(first: 1) { name url } }")
    assert error_codes(result) == ["INTERNAL_ERROR"]
    assert "secret" not in json.dumps(result)


def test_too_deep_queries_are_refused_before_running(client, catalogue):
    nested = "name"
    for _ in range(5):
        nested = f"products {{ producer {{ {nested} }} }}"
    response = client.post(
        "/graphql/", {"query": f"{{ {nested} }}"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "exceeds maximum operation depth" in response.json()["errors"][0]["message"]
    assert "data" not in response.json()


def test_graphiql_is_served_to_browsers(client):
    response = client.get("/graphql/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert b"graphiql" in response.content.lower()


# Query cost ---------------------------------------------------------------------------------


def _many_products(count: int) -> None:
    rows = ["Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định,Giá"]
    for i in range(count):
        producer = f"HTX Sản xuất số {i:02d}"
        address = '"xã Nhân Hậu, huyện Lý Nhân, tỉnh Hà Nam"'
        rows.append(
            f"Sản phẩm {i:02d} A,{producer},{address},Thực phẩm,3 sao,"
            f"{i}/QĐ-UBND ngày 01/03/2024,50.000"
        )
        rows.append(
            f"Sản phẩm {i:02d} A,{producer},{address},Thực phẩm,4 sao,{i}/QĐ-UBND ngày 01/03/2025,"
        )
        rows.append(
            f"Sản phẩm {i:02d} B,{producer},{address},Đồ uống,3 sao,{i}b/QĐ-UBND ngày 01/04/2025,"
        )
    import_list("\n".join(rows) + "\n")


def _queries(client, query: str, first: int) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        result = gql(client, query, {"first": first})
    assert "errors" not in result, result["errors"]
    return len(queries), result["data"]


#: products, certificates, stock records, producers' products and their certificates.
PRODUCT_PAGE_QUERIES = 5
#: producers, their products, certificates and stock records.
PRODUCER_PAGE_QUERIES = 4


def test_a_page_of_products_costs_the_same_for_3_as_for_30(client):
    _many_products(30)
    query = f"""query($first: Int) {{ products(first: $first) {{
        {PRODUCT_FIELDS}
        producer {{ name products {{ name currentStars certificates {{ stars }} }} }}
    }} }}"""
    small, small_data = _queries(client, query, 3)
    large, large_data = _queries(client, query, 30)
    assert len(small_data["products"]) == 3 and len(large_data["products"]) == 30
    assert all(len(p["producer"]["products"]) == 2 for p in large_data["products"])
    assert all(len(p["certificates"]) in (1, 2) for p in large_data["products"])
    assert small == large
    # The HTTP request adds its transaction savepoints; the resolvers cost a fixed number.
    assert large - _queries(client, "{ channels { slug } }", 1)[0] == PRODUCT_PAGE_QUERIES - 1


def test_a_page_of_producers_costs_the_same_for_3_as_for_30(client):
    _many_products(30)
    query = """query($first: Int) { producers(first: $first) {
        name district
        products { name currentStars price group { code } certificates { stars status } }
    } }"""
    small, small_data = _queries(client, query, 3)
    large, large_data = _queries(client, query, 30)
    assert len(small_data["producers"]) == 3 and len(large_data["producers"]) == 30
    assert all(len(p["products"]) == 2 for p in large_data["producers"])
    assert small == large
    assert large - _queries(client, "{ channels { slug } }", 1)[0] == PRODUCER_PAGE_QUERIES - 1


# The department report ----------------------------------------------------------------------

REPORT_QUERY = """query($asOf: Date, $windowDays: Int) {
    channelParticipationReport(asOf: $asOf, windowDays: $windowDays) {
        asOf windowDays windowStart producersTotal producersActiveModern shareActiveModern
        targetShare meetsTarget
        byDistrict { key name total active share }
        byCommune { key name total active share }
        byGroup { key name total active share }
        byProducerType { key name total active share }
        byStars { key name total active share }
        trend { month asOf total active share snapshot }
        notActive { id name type address district commune phone email
                    products { name stars validUntil } channels }
        targets
        expiringCertificates { product producer stars decisionNumber validUntil }
        sales
    }
}"""
REPORT_VARIABLES = {"asOf": TODAY.isoformat(), "windowDays": 90}


@pytest.fixture
def with_activity(catalogue):
    tea = catalogue["Trà xanh Liêm Sơn"].producer
    shopee = Channel.objects.get(slug="shopee")
    record_activity(
        tea,
        shopee,
        date=TODAY - dt.timedelta(days=10),
        source=ActivitySource.SALES_REPORT,
        reference="r1",
        orders=3,
    )
    return catalogue


@pytest.fixture
def viewer(django_user_model):
    ensure_roles()
    user = django_user_model.objects.create_user("viewer", "viewer@so-ct.gov.vn", "pw")
    user.groups.add(Group.objects.get(name=DEPARTMENT_VIEWER))
    return user


@pytest.fixture
def customer(django_user_model):
    return django_user_model.objects.create_user("customer", "customer@example.com", "pw")


def report(client, token: str | None = None) -> dict:
    return gql(client, REPORT_QUERY, REPORT_VARIABLES, token=token)


def assert_denied(result: dict, code: str) -> None:
    assert error_codes(result) == [code]
    assert result["data"] == {"channelParticipationReport": None}
    assert result["errors"][0]["path"] == ["channelParticipationReport"]


def test_anonymous_users_cannot_read_the_report(client, catalogue):
    assert_denied(report(client), "PERMISSION_DENIED")


def test_customers_cannot_read_the_report(client, catalogue, customer):
    client.force_login(customer)
    assert_denied(report(client), "PERMISSION_DENIED")


def test_producer_users_cannot_read_the_report(client, catalogue, django_user_model):
    user = django_user_model.objects.create_user("thoa", "thoa@example.com", "pw")
    catalogue["Nón lá Bình Nghĩa"].producer.partner.users.add(user)
    client.force_login(user)
    assert_denied(report(client), "PERMISSION_DENIED")


def test_wrong_and_revoked_tokens_are_refused(client, catalogue, viewer):
    assert_denied(report(client, token="not-a-token"), "INVALID_TOKEN")
    assert_denied(report(client, token=""), "INVALID_TOKEN")
    token = create_api_token(viewer, "revoked system")
    ApiToken.objects.filter(user=viewer).update(revoked=True)
    assert_denied(report(client, token=token), "INVALID_TOKEN")
    # The public catalogue does not depend on the token.
    result = gql(client, "{ products(first: 1) { name } }", token="not-a-token")
    assert len(result["data"]["products"]) == 1


def test_a_token_of_a_user_without_the_permission_is_denied(client, catalogue, customer):
    token = create_api_token(customer, "customer script")
    assert_denied(report(client, token=token), "PERMISSION_DENIED")


def test_department_viewer_reads_the_report_by_session(client, with_activity, viewer):
    client.force_login(viewer)
    result = report(client)
    assert "errors" not in result, result["errors"]
    assert_matches_report(result["data"]["channelParticipationReport"])


def test_a_valid_token_reads_the_report_and_is_marked_used(client, with_activity, viewer):
    token = create_api_token(viewer, "department dashboard")
    stored = ApiToken.objects.get(user=viewer)
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.digest and stored.last_used_at is None
    result = report(client, token=token)
    assert "errors" not in result, result["errors"]
    assert_matches_report(result["data"]["channelParticipationReport"])
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_the_session_is_ignored_when_a_bearer_token_is_sent(client, catalogue, viewer):
    client.force_login(viewer)
    assert_denied(report(client, token="wrong"), "INVALID_TOKEN")


def test_out_of_range_window_is_refused(client, catalogue, viewer):
    client.force_login(viewer)
    result = gql(client, "{ channelParticipationReport(windowDays: 0) { producersTotal } }")
    assert error_codes(result) == ["INVALID_ARGUMENT"]


def test_report_filters_are_the_report_modules(client, with_activity, viewer):
    client.force_login(viewer)
    query = """query($group: Int, $type: ProducerType) {
        channelParticipationReport(asOf: "2026-11-29", group: $group, producerType: $type) {
            producersTotal producersActiveModern filters notActive { name }
        }
    }"""
    drinks = gql(client, query, {"group": 2})["data"]["channelParticipationReport"]
    expected = build_channel_report(TODAY, 90, group_code=2)
    assert drinks["producersTotal"] == expected["producers_total"] == 1
    assert drinks["producersActiveModern"] == expected["producers_active_modern"] == 1
    assert drinks["filters"] == {"group_code": 2}
    households = gql(client, query, {"type": "HOUSEHOLD"})["data"]["channelParticipationReport"]
    assert households["notActive"] == [{"name": "Hộ kinh doanh Vũ Thị Thoa"}]
    assert error_codes(gql(client, query, {"group": 9})) == ["INVALID_ARGUMENT"]


def _key(value):
    return None if value is None else str(value)


def _rows(rows: list[dict]) -> list[dict]:
    return [
        {
            "key": _key(r["key"]),
            "name": r["name"],
            "total": r["total"],
            "active": r["active"],
            "share": pytest.approx(float(r["share"])),
        }
        for r in rows
    ]


def assert_matches_report(data: dict) -> None:
    """The API's figures are build_channel_report's, key by key."""
    expected = build_channel_report(TODAY, 90)
    assert data["asOf"] == TODAY.isoformat() == expected["as_of"]
    assert data["windowDays"] == expected["window_days"] == 90
    assert data["producersTotal"] == expected["producers_total"]
    # Tea (4★→5★), hat (3★) and Bánh đa (4★, with Tương Bần) are counted; the tea is active.
    assert data["producersTotal"] == 3
    assert data["producersActiveModern"] == expected["producers_active_modern"] == 1
    assert data["shareActiveModern"] == pytest.approx(float(expected["share_active_modern"]))
    assert data["targetShare"] == pytest.approx(float(expected["target_share"]))
    assert data["meetsTarget"] is bool(expected["meets_target"])
    assert data["shareActiveModern"] == pytest.approx(0.3333) and data["meetsTarget"] is False
    for name in ("district", "commune", "group", "producer_type", "stars"):
        camel = "by" + "".join(part.title() for part in name.split("_"))
        assert data[camel] == _rows(expected[f"by_{name}"]), name
    assert data["windowStart"] == expected["window_start"]
    assert data["trend"] == [
        {
            "month": t["month"],
            "asOf": t["as_of"],
            "total": t["total"],
            "active": t["active"],
            "share": pytest.approx(t["share"]),
            "snapshot": t["snapshot"],
        }
        for t in expected["trend"]
    ]
    assert len(data["trend"]) == 12 and data["trend"][-1]["total"] == 3
    assert data["notActive"] == [
        {
            "id": str(p["id"]),
            "name": p["name"],
            "type": p["type"].upper(),
            "address": p["address"],
            "district": p["district"],
            "commune": p["commune"],
            "phone": p["phone"],
            "email": p["email"],
            "products": [
                {"name": q["name"], "stars": q["stars"], "validUntil": q["valid_until"]}
                for q in p["products"]
            ],
            "channels": p["channels"],
        }
        for p in expected["not_active"]
    ]
    assert {p["name"] for p in data["notActive"]} == {
        "HTX Bánh đa Làng Chều",
        "Hộ kinh doanh Vũ Thị Thoa",
    }
    assert data["expiringCertificates"] == [
        {
            "product": c["product"],
            "producer": c["producer"],
            "stars": c["stars"],
            "decisionNumber": c["decision_number"],
            "validUntil": c["valid_until"],
        }
        for c in expected["expiring_certificates"]
    ]
    # The 2024 hat certificate ends on 1 January 2027, 33 days after the report's day.
    assert [c["product"] for c in data["expiringCertificates"]] == ["Nón lá Bình Nghĩa"]
    assert data["targets"] == graphql_types.jsonable(expected["targets"])
    assert data["sales"] == graphql_types.jsonable(expected["sales"])
    assert data["sales"]["total"]["orders"] == 3


# Tokens from the command line ---------------------------------------------------------------


def test_the_command_prints_a_token_once_and_stores_only_its_digest(client, catalogue, viewer):
    out = io.StringIO()
    call_command("ocop_api_token", user="VIEWER@so-ct.gov.vn", name="Sở CT dashboard", stdout=out)
    token = out.getvalue().strip()
    stored = ApiToken.objects.get(user=viewer, name="Sở CT dashboard")
    assert len(token) >= 40 and stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert not ApiToken.objects.filter(digest=token).exists()
    # The token authenticates: past the permission check, whatever the report module's state.
    result = gql(client, "{ channelParticipationReport(windowDays: 0) { asOf } }", token=token)
    assert error_codes(result) == ["INVALID_ARGUMENT"]

    out = io.StringIO()
    call_command(
        "ocop_api_token", user=viewer.email, name="Sở CT dashboard", revoke=True, stdout=out
    )
    assert ApiToken.objects.get(pk=stored.pk).revoked
    result = gql(client, "{ channelParticipationReport(windowDays: 0) { asOf } }", token=token)
    assert error_codes(result) == ["INVALID_TOKEN"]
