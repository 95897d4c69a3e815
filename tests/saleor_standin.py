"""A local stand-in for a Saleor store, so the connector's tests need no network.

It serves, on 127.0.0.1 and a free port, from a thread:

- ``POST /graphql/``: the GraphQL documents the connector sends, answered from memory (channels,
  attributes with their values, product types, categories, products and variants keyed by id
  and ``externalReference``, channel listings and prices). When Saleor 3.23's schema file is
  beside the project (``OCOP_SALEOR_SCHEMA``, default ``../shared/saleor/schema-3.23.graphql``
  from the project root) every document is *executed against that schema* with graphql-core:
  it is validated, its variables are coerced to Saleor's input types, and the answer has
  exactly the shape Saleor's would (aliases, fragments, non-null fields). Without the file the
  same resolvers answer through a small untyped executor (no validation).
- ``GET /.well-known/jwks.json``: the store's public keys (RSA, ``kid``), which ``rotate_key``
  replaces.

``sign(body)`` makes the ``Saleor-Signature`` Saleor would send with a webhook body: a detached
JWS with the protected header ``{"alg": "RS256", "b64": false, "crit": ["b64"], "kid": …}`` and
an RSA PKCS#1 v1.5 SHA-256 signature over ``<protected> + "." + <raw body>``, written here with
``cryptography`` (not with the library the connector verifies with).

Requests need ``Authorization: Bearer <token>`` with a token from ``issue_token``, as Saleor's
app tokens; others get Saleor's ``PermissionDenied`` error. ``requests`` records every
document (``mutations`` the mutation fields), ``fail_names`` makes product mutations for those
product names return a Saleor validation error.

What this is not: Saleor. It knows only the fields the connector uses, keeps no stock,
warehouses, taxes or orders, and never sends webhooks itself (tests post signed bodies).
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import os
import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    build_schema,
    graphql_sync,
    parse,
)
from graphql.utilities import value_from_ast_untyped

from plugins.ocop.text import slugify

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = Path(
    os.environ.get(
        "OCOP_SALEOR_SCHEMA", PROJECT_ROOT.parent / "shared" / "saleor" / "schema-3.23.graphql"
    )
)
SCHEMA_MISSING_REASON = (
    f"Saleor's schema file is not beside the project ({SCHEMA_PATH} is missing; set "
    "OCOP_SALEOR_SCHEMA to its path): GraphQL documents are not validated"
)


@functools.cache
def load_schema() -> GraphQLSchema | None:
    """Saleor 3.23's schema, or None when the file is not there."""
    if not SCHEMA_PATH.is_file():
        return None
    return build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(number: int) -> str:
    return b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


def permission_denied() -> GraphQLError:
    return GraphQLError(
        "To access this path, you need one of the following permissions: AUTHENTICATED_APP",
        extensions={"exception": {"code": "PermissionDenied"}},
    )


@dataclass(frozen=True)
class RecordedRequest:
    operation: str
    name: str
    fields: tuple[str, ...]
    variables: dict
    authorized: bool


class SaleorStandIn:
    def __init__(self, shop_name: str = "Đặc sản Hà Nam", channels: list[dict] | None = None):
        self.shop_name = shop_name
        self.app = {"id": "QXBwOjQy", "name": "OCOP Market"}
        self.tokens: set[str] = set()
        self.requests: list[RecordedRequest] = []
        self.jwks_requests = 0
        self.fail_names: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""
        self.keys: list[tuple[str, rsa.RSAPrivateKey]] = []
        self.rotate_key()
        self.channels = channels or [
            {"slug": "default-channel", "name": "Kênh Việt Nam", "currencyCode": "VND"},
            {"slug": "channel-usd", "name": "International", "currencyCode": "USD"},
        ]
        for channel in self.channels:
            channel.setdefault("id", self._id("Channel"))
            channel.setdefault("isActive", True)
        self.attributes: dict[str, dict] = {}
        self.product_types: dict[str, dict] = {}
        self.categories: dict[str, dict] = {}
        self.products: dict[str, dict] = {}
        self.variants: dict[str, dict] = {}

    # Lifecycle -----------------------------------------------------------------------------

    def start(self) -> SaleorStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                standin._serve_get(self)

            def do_POST(self):  # noqa: N802
                standin._serve_post(self)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SaleorStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        return f"{self.url}/graphql/"

    @property
    def domain(self) -> str:
        return self.url.split("://", 1)[1]

    # Tokens and keys -----------------------------------------------------------------------

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(22)[:30]
        self.tokens.add(token)
        return token

    def rotate_key(self, keep_old: bool = False) -> str:
        """Generate a new signing key; the JWKS then serves it (and the old ones if asked)."""
        kid = f"key-{secrets.token_hex(4)}"
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys = ([*self.keys] if keep_old else []) + [(kid, key)]
        return kid

    @property
    def kid(self) -> str:
        return self.keys[-1][0]

    def jwks(self) -> dict:
        keys = []
        for kid, key in self.keys:
            numbers = key.public_key().public_numbers()
            keys.append(
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": kid,
                    "n": _int_b64(numbers.n),
                    "e": _int_b64(numbers.e),
                }
            )
        return {"keys": keys}

    def sign(
        self, body: bytes, *, key: rsa.RSAPrivateKey | None = None, kid: str | None = None
    ) -> str:
        """The ``Saleor-Signature`` header for ``body``, signed as Saleor signs it."""
        kid = kid or self.kid
        key = key or dict(self.keys)[kid]
        header = {"alg": "RS256", "b64": False, "crit": ["b64"], "kid": kid}
        protected = b64url(json.dumps(header, separators=(",", ":")).encode())
        signature = key.sign(protected.encode() + b"." + body, padding.PKCS1v15(), hashes.SHA256())
        return f"{protected}..{b64url(signature)}"

    # Assertions helpers --------------------------------------------------------------------

    @property
    def mutations(self) -> list[str]:
        return [f for r in self.requests if r.operation == "mutation" for f in r.fields]

    def product_by_reference(self, reference: str) -> dict | None:
        return next(
            (p for p in self.products.values() if p["externalReference"] == reference), None
        )

    def assigned_value(self, product: dict, attribute_slug: str):
        attribute = self.attributes.get(attribute_slug)
        if attribute is None:
            return None
        value = product["attributes"].get(attribute["id"])
        if attribute["inputType"] == "DROPDOWN" and value is not None:
            return self._value(attribute, value)["name"]
        return value

    def webhook_body(self, subscription: str, event: dict) -> bytes:
        """The body Saleor would POST for ``event`` (a dict with ``__typename``) under the
        webhook's ``subscription``: the subscription run once (against the schema when it is
        there), its ``event`` field serialised."""
        schema = load_schema()
        if schema is not None:
            result = graphql_sync(schema, subscription, root_value={"event": lambda _info: event})
            assert not result.errors, result.errors
            payload = result.data["event"]
        else:
            ast = parse(subscription)
            fragments = {
                d.name.value: d for d in ast.definitions if isinstance(d, FragmentDefinitionNode)
            }
            operation = next(d for d in ast.definitions if isinstance(d, OperationDefinitionNode))
            payload = _shape(event, operation.selection_set.selections[0].selection_set, fragments)
        return json.dumps(payload, ensure_ascii=False).encode()

    # HTTP ----------------------------------------------------------------------------------

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _serve_get(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.path == "/.well-known/jwks.json":
            with self._lock:
                self.jwks_requests += 1
                self._send(handler, 200, self.jwks())
            return
        self._send(handler, 404, {"error": "not found"})

    def _serve_post(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.path != "/graphql/":
            self._send(handler, 404, {"error": "not found"})
            return
        length = int(handler.headers.get("Content-Length") or 0)
        try:
            request = json.loads(handler.rfile.read(length))
            document = request["query"]
            variables = request.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            self._send(handler, 400, {"errors": [{"message": "Must provide a query string."}]})
            return
        authorization = handler.headers.get("Authorization", "")
        authorized = authorization.startswith("Bearer ") and authorization[7:] in self.tokens
        with self._lock:
            self._send(handler, 200, self.execute(document, variables, authorized=authorized))

    # Execution -----------------------------------------------------------------------------

    def execute(self, document: str, variables: dict, *, authorized: bool) -> dict:
        try:
            ast = parse(document)
        except GraphQLError as error:
            return {"errors": [error.formatted]}
        operation = next(d for d in ast.definitions if isinstance(d, OperationDefinitionNode))
        fields = tuple(
            s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)
        )
        self.requests.append(
            RecordedRequest(
                operation.operation.value,
                operation.name.value if operation.name else "",
                fields,
                variables,
                authorized,
            )
        )
        root = self._root(authorized)
        schema = load_schema()
        if schema is not None:
            result = graphql_sync(schema, document, root_value=root, variable_values=variables)
            body: dict = {"data": result.data}
            if result.errors:
                body["errors"] = [e.formatted for e in result.errors]
            return body
        return self._execute_untyped(ast, operation, variables, root)

    def _execute_untyped(self, ast, operation, variables: dict, root: dict) -> dict:
        fragments = {
            d.name.value: d for d in ast.definitions if isinstance(d, FragmentDefinitionNode)
        }
        data, errors = {}, []
        for selection in operation.selection_set.selections:
            name = selection.name.value
            args = {
                a.name.value: value_from_ast_untyped(a.value, variables)
                for a in selection.arguments
            }
            key = selection.alias.value if selection.alias else name
            try:
                value = root[name](None, **args)
            except GraphQLError as error:
                data[key] = None
                errors.append(error.formatted)
                continue
            data[key] = _shape(value, selection.selection_set, fragments)
        body = {"data": data}
        if errors:
            body["errors"] = errors
        return body

    # Resolvers -----------------------------------------------------------------------------

    def _id(self, kind: str) -> str:
        return base64.b64encode(f"{kind}:{next(self._ids)}".encode()).decode()

    def _root(self, authorized: bool) -> dict:
        def guard(resolver):
            def resolve(_info, **args):
                if not authorized:
                    raise permission_denied()
                return resolver(**args)

            return resolve

        resolvers = {
            "app": self._app,
            "shop": lambda: {"name": self.shop_name},
            "channels": lambda: self.channels,
            "attribute": self._attribute,
            "attributeCreate": self._attribute_create,
            "attributeValueCreate": self._attribute_value_create,
            "productTypes": self._product_types,
            "productTypeCreate": self._product_type_create,
            "productAttributeAssign": self._product_attribute_assign,
            "category": lambda slug=None, **_: self.categories.get(slug),
            "categoryCreate": self._category_create,
            "product": self._product,
            "productCreate": self._product_create,
            "productUpdate": self._product_update,
            "productVariantCreate": self._variant_create,
            "productVariantUpdate": self._variant_update,
            "productChannelListingUpdate": self._product_channel_listing_update,
            "productVariantChannelListingUpdate": self._variant_channel_listing_update,
        }
        root = {name: guard(resolver) for name, resolver in resolvers.items()}
        root["shop"] = lambda _info: {"name": self.shop_name}
        return root

    def _app(self, id=None):
        return self.app

    @staticmethod
    def _error(field: str | None, code: str, message: str) -> dict:
        return {"field": field, "code": code, "message": message}

    # Attributes, product types, categories

    @staticmethod
    def _value(attribute: dict, value_id: str) -> dict:
        return next(v for v in attribute["values"] if v["id"] == value_id)

    def _render_attribute(self, attribute: dict) -> dict:
        return {
            **attribute,
            "choices": {"edges": [{"node": v} for v in attribute["values"]]},
        }

    def _attribute(self, slug=None, id=None, externalReference=None):
        attribute = self.attributes.get(slug) if slug else None
        return self._render_attribute(attribute) if attribute else None

    def _new_value(self, spec: dict) -> dict:
        return {
            "id": self._id("AttributeValue"),
            "name": spec["name"],
            "slug": slugify(spec["name"]),
            "externalReference": spec.get("externalReference"),
        }

    def _attribute_create(self, input):
        slug = input.get("slug") or slugify(input["name"])
        if slug in self.attributes:
            return {
                "attribute": None,
                "errors": [
                    self._error("slug", "UNIQUE", "Attribute with this Slug already exists.")
                ],
            }
        attribute = {
            "id": self._id("Attribute"),
            "slug": slug,
            "name": input["name"],
            "inputType": input.get("inputType") or "DROPDOWN",
            "externalReference": input.get("externalReference"),
            "values": [self._new_value(v) for v in input.get("values") or []],
        }
        self.attributes[slug] = attribute
        return {"attribute": self._render_attribute(attribute), "errors": []}

    def _attribute_by_id(self, attribute_id: str) -> dict | None:
        return next((a for a in self.attributes.values() if a["id"] == attribute_id), None)

    def _attribute_value_create(self, attribute, input):
        found = self._attribute_by_id(attribute)
        if found is None:
            return {
                "attributeValue": None,
                "errors": [self._error("attribute", "NOT_FOUND", "No attribute.")],
            }
        value = self._new_value(input)
        found["values"].append(value)
        return {"attribute": self._render_attribute(found), "attributeValue": value, "errors": []}

    def _render_product_type(self, product_type: dict) -> dict:
        return {
            "id": product_type["id"],
            "slug": product_type["slug"],
            "productAttributes": [
                {"id": a["id"], "slug": a["slug"]}
                for a in map(self._attribute_by_id, product_type["attribute_ids"])
                if a
            ],
        }

    def _product_types(self, first=None, filter=None, **_):
        slugs = (filter or {}).get("slugs")
        found = [t for s, t in self.product_types.items() if not slugs or s in slugs]
        return {"edges": [{"node": self._render_product_type(t)} for t in found[:first]]}

    def _product_type_create(self, input):
        slug = input.get("slug") or slugify(input["name"])
        if slug in self.product_types:
            return {
                "productType": None,
                "errors": [
                    self._error("slug", "UNIQUE", "Product type with this Slug already exists.")
                ],
            }
        product_type = {
            "id": self._id("ProductType"),
            "slug": slug,
            "name": input["name"],
            "attribute_ids": list(input.get("productAttributes") or []),
        }
        self.product_types[slug] = product_type
        return {"productType": self._render_product_type(product_type), "errors": []}

    def _product_attribute_assign(self, productTypeId, operations):
        product_type = next(
            (t for t in self.product_types.values() if t["id"] == productTypeId), None
        )
        if product_type is None:
            return {
                "productType": None,
                "errors": [self._error("productTypeId", "NOT_FOUND", "No product type.")],
            }
        for operation in operations:
            if operation["id"] not in product_type["attribute_ids"]:
                product_type["attribute_ids"].append(operation["id"])
        return {"productType": self._render_product_type(product_type), "errors": []}

    def _category_create(self, input, parent=None):
        slug = input.get("slug") or slugify(input["name"])
        if slug in self.categories:
            return {
                "category": None,
                "errors": [
                    self._error("slug", "UNIQUE", "Category with this Slug already exists.")
                ],
            }
        self.categories[slug] = {"id": self._id("Category"), "slug": slug, "name": input["name"]}
        return {"category": self.categories[slug], "errors": []}

    # Products

    _TYPENAMES = {
        "DROPDOWN": "AssignedSingleChoiceAttribute",
        "PLAIN_TEXT": "AssignedPlainTextAttribute",
        "DATE": "AssignedDateAttribute",
    }

    def _render_variant(self, variant: dict) -> dict:
        listings = []
        for channel_id, price in variant["channelListings"].items():
            channel = self._channel(channel_id)
            listings.append(
                {
                    "channel": channel,
                    "price": None
                    if price is None
                    else {"amount": float(price), "currency": channel["currencyCode"]},
                }
            )
        return {
            "id": variant["id"],
            "sku": variant["sku"],
            "externalReference": variant["externalReference"],
            "channelListings": listings,
        }

    def _render_product(self, product: dict) -> dict:
        assigned = []
        for attribute_id, value in product["attributes"].items():
            attribute = self._attribute_by_id(attribute_id)
            if attribute["inputType"] == "DROPDOWN":
                chosen = self._value(attribute, value)
                value = {"slug": chosen["slug"], "name": chosen["name"]}
            assigned.append(
                {
                    "__typename": self._TYPENAMES[attribute["inputType"]],
                    "attribute": {"id": attribute["id"], "slug": attribute["slug"]},
                    "value": value,
                }
            )
        product_type = next(
            t for t in self.product_types.values() if t["id"] == product["productType"]
        )
        category = next(
            (c for c in self.categories.values() if c["id"] == product["category"]), None
        )
        return {
            "id": product["id"],
            "name": product["name"],
            "externalReference": product["externalReference"],
            "productType": {"id": product_type["id"], "slug": product_type["slug"]},
            "category": category,
            "assignedAttributes": assigned,
            "channelListings": [
                {"channel": self._channel(c), **listing}
                for c, listing in product["channelListings"].items()
            ],
            "productVariants": {
                "edges": [
                    {"node": self._render_variant(self.variants[v])} for v in product["variants"]
                ]
            },
        }

    def _channel(self, channel_id: str) -> dict:
        return next(c for c in self.channels if c["id"] == channel_id)

    def _product(self, id=None, externalReference=None, slug=None, channel=None, **_):
        if id:
            product = self.products.get(id)
        else:
            product = self.product_by_reference(externalReference) if externalReference else None
        return self._render_product(product) if product else None

    def _apply_attributes(self, product_type: dict, values: list[dict]) -> tuple[dict, list]:
        applied, errors = {}, []
        for item in values:
            attribute = self._attribute_by_id(item.get("id"))
            if attribute is None or attribute["id"] not in product_type["attribute_ids"]:
                errors.append(
                    self._error(
                        "attributes", "INVALID", "Attribute not assigned to the product type."
                    )
                )
                continue
            if attribute["inputType"] == "DROPDOWN":
                reference = (item.get("dropdown") or {}).get("externalReference")
                value = next(
                    (v for v in attribute["values"] if v["externalReference"] == reference), None
                )
                if value is None:
                    errors.append(self._error("attributes", "NOT_FOUND", f"No value {reference}."))
                    continue
                applied[attribute["id"]] = value["id"]
            elif attribute["inputType"] == "PLAIN_TEXT":
                applied[attribute["id"]] = item.get("plainText")
            elif attribute["inputType"] == "DATE":
                applied[attribute["id"]] = item.get("date")
        return applied, errors

    def _product_create(self, input):
        if input.get("name") in self.fail_names:
            return {
                "product": None,
                "errors": [self._error("name", "INVALID", "Tên sản phẩm bị cửa hàng từ chối.")],
            }
        product_type = next(
            (t for t in self.product_types.values() if t["id"] == input.get("productType")), None
        )
        if product_type is None:
            return {
                "product": None,
                "errors": [self._error("productType", "NOT_FOUND", "No product type.")],
            }
        reference = input.get("externalReference")
        if reference and self.product_by_reference(reference):
            return {
                "product": None,
                "errors": [
                    self._error(
                        "externalReference",
                        "UNIQUE",
                        "Product with this External reference already exists.",
                    )
                ],
            }
        attributes, errors = self._apply_attributes(product_type, input.get("attributes") or [])
        if errors:
            return {"product": None, "errors": errors}
        product = {
            "id": self._id("Product"),
            "name": input.get("name"),
            "externalReference": reference,
            "productType": product_type["id"],
            "category": input.get("category"),
            "attributes": attributes,
            "channelListings": {},
            "variants": [],
        }
        self.products[product["id"]] = product
        return {"product": {"id": product["id"]}, "errors": []}

    def _product_update(self, input, id=None, externalReference=None):
        product = self.products.get(id) if id else self.product_by_reference(externalReference)
        if product is None:
            return {
                "product": None,
                "errors": [self._error("id", "NOT_FOUND", f"Couldn't resolve to a node: {id}")],
            }
        if (input.get("name") or product["name"]) in self.fail_names:
            return {
                "product": None,
                "errors": [self._error("name", "INVALID", "Tên sản phẩm bị cửa hàng từ chối.")],
            }
        product_type = next(
            t for t in self.product_types.values() if t["id"] == product["productType"]
        )
        attributes, errors = self._apply_attributes(product_type, input.get("attributes") or [])
        if errors:
            return {"product": None, "errors": errors}
        product["attributes"].update(attributes)
        for name in ("name", "category", "externalReference"):
            if name in input:
                product[name] = input[name]
        return {"product": {"id": product["id"]}, "errors": []}

    def _variant_create(self, input):
        product = self.products.get(input["product"])
        if product is None:
            return {
                "productVariant": None,
                "errors": [self._error("product", "NOT_FOUND", "No product.")],
            }
        sku = input.get("sku")
        if sku and any(v["sku"] == sku for v in self.variants.values()):
            return {
                "productVariant": None,
                "errors": [
                    self._error("sku", "UNIQUE", "Product variant with this SKU already exists.")
                ],
            }
        variant = {
            "id": self._id("ProductVariant"),
            "sku": sku,
            "externalReference": input.get("externalReference"),
            "channelListings": {},
            "product": product["id"],
        }
        self.variants[variant["id"]] = variant
        product["variants"].append(variant["id"])
        return {"productVariant": self._render_variant(variant), "errors": []}

    def _variant_update(self, input, id=None, sku=None, externalReference=None):
        variant = self.variants.get(id)
        if variant is None:
            return {
                "productVariant": None,
                "errors": [self._error("id", "NOT_FOUND", "No variant.")],
            }
        for name in ("sku", "externalReference"):
            if name in input:
                variant[name] = input[name]
        return {"productVariant": self._render_variant(variant), "errors": []}

    def _product_channel_listing_update(self, id, input):
        product = self.products.get(id)
        if product is None:
            return {"product": None, "errors": [self._error("id", "NOT_FOUND", "No product.")]}
        for item in input.get("updateChannels") or []:
            if item.get("isPublished") and not product["category"]:
                return {
                    "product": None,
                    "errors": [
                        {
                            **self._error(
                                "isPublished",
                                "PRODUCT_WITHOUT_CATEGORY",
                                "You must select a category to be able to publish",
                            ),
                            "channels": [item["channelId"]],
                        }
                    ],
                }
            product["channelListings"][item["channelId"]] = {
                "isPublished": bool(item.get("isPublished")),
            }
        return {"product": {"id": product["id"]}, "errors": []}

    def _variant_channel_listing_update(self, input, id=None, sku=None):
        variant = self.variants.get(id)
        if variant is None:
            return {"variant": None, "errors": [self._error("id", "NOT_FOUND", "No variant.")]}
        product = self.products[variant["product"]]
        for item in input:
            if item["channelId"] not in product["channelListings"]:
                return {
                    "variant": None,
                    "errors": [
                        {
                            **self._error(
                                "channelId",
                                "PRODUCT_NOT_ASSIGNED_TO_CHANNEL",
                                "Product not available in channels.",
                            ),
                            "channels": [item["channelId"]],
                        }
                    ],
                }
            variant["channelListings"][item["channelId"]] = str(item["price"])
        return {"variant": {"id": variant["id"]}, "errors": []}


def _shape(value, selection_set, fragments):
    """Shape a resolver's dict like a GraphQL answer to ``selection_set`` (aliases,
    ``__typename``, inline fragments and fragment spreads matched on ``__typename``)."""
    if value is None or selection_set is None:
        return value
    if isinstance(value, list):
        return [_shape(item, selection_set, fragments) for item in value]
    out = {}
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            key = selection.alias.value if selection.alias else name
            out[key] = _shape(value.get(name), selection.selection_set, fragments)
        else:
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                condition, selections = fragment.type_condition, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition, selections = selection.type_condition, selection.selection_set
            typename = value.get("__typename")
            if condition is None or typename is None or typename == condition.name.value:
                out.update(_shape(value, selections, fragments))
    return out
