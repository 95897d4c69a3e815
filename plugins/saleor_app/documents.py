"""Every GraphQL document the connector sends to a Saleor store, or declares in its manifest.

Each public upper-case string constant here is one document; ``ALL`` collects them, the client
refuses to send anything else, and the tests validate every one against Saleor's schema (so a
document added here cannot escape validation). Written against Saleor 3.23's public schema;
deprecated fields are not used.
"""

from __future__ import annotations

_ERRORS = "errors { field code message }"

_ATTRIBUTE_FIELDS = """
  id
  slug
  inputType
  choices(first: 50) { edges { node { id slug name externalReference } } }
"""

#: Who am I? Answered only for a valid app token (``app`` is the calling app).
TOKEN_CHECK = """
query OcopTokenCheck {
  app { id name }
  shop { name }
}
"""

CHANNELS = """
query OcopChannels {
  channels { id slug name currencyCode isActive }
}
"""

ATTRIBUTE_BY_SLUG = f"""
query OcopAttribute($slug: String!) {{
  attribute(slug: $slug) {{ {_ATTRIBUTE_FIELDS} }}
}}
"""

ATTRIBUTE_CREATE = f"""
mutation OcopAttributeCreate($input: AttributeCreateInput!) {{
  attributeCreate(input: $input) {{
    attribute {{ {_ATTRIBUTE_FIELDS} }}
    {_ERRORS}
  }}
}}
"""

ATTRIBUTE_VALUE_CREATE = f"""
mutation OcopAttributeValueCreate($attribute: ID!, $input: AttributeValueCreateInput!) {{
  attributeValueCreate(attribute: $attribute, input: $input) {{
    attributeValue {{ id slug name externalReference }}
    {_ERRORS}
  }}
}}
"""

PRODUCT_TYPE_BY_SLUG = """
query OcopProductType($slug: String!) {
  productTypes(first: 1, filter: {slugs: [$slug]}) {
    edges { node { id slug productAttributes { id slug } } }
  }
}
"""

PRODUCT_TYPE_CREATE = f"""
mutation OcopProductTypeCreate($input: ProductTypeInput!) {{
  productTypeCreate(input: $input) {{
    productType {{ id slug productAttributes {{ id slug }} }}
    {_ERRORS}
  }}
}}
"""

PRODUCT_ATTRIBUTE_ASSIGN = f"""
mutation OcopProductAttributeAssign(
  $productTypeId: ID!, $operations: [ProductAttributeAssignInput!]!
) {{
  productAttributeAssign(productTypeId: $productTypeId, operations: $operations) {{
    productType {{ id slug productAttributes {{ id slug }} }}
    {_ERRORS}
  }}
}}
"""

CATEGORY_BY_SLUG = """
query OcopCategory($slug: String!) {
  category(slug: $slug) { id slug }
}
"""

CATEGORY_CREATE = f"""
mutation OcopCategoryCreate($input: CategoryInput!) {{
  categoryCreate(input: $input) {{
    category {{ id slug }}
    {_ERRORS}
  }}
}}
"""

#: A product as the publisher compares it: type, category, the OCOP attributes, listings and
#: the variants with their prices per channel.
PRODUCT_BY_EXTERNAL_REFERENCE = """
query OcopProduct($externalReference: String!) {
  product(externalReference: $externalReference) {
    id
    name
    externalReference
    productType { id slug }
    category { id slug }
    assignedAttributes {
      attribute { id slug }
      ... on AssignedSingleChoiceAttribute { choice: value { slug name } }
      ... on AssignedPlainTextAttribute { text: value }
      ... on AssignedDateAttribute { date: value }
    }
    channelListings { channel { id slug } isPublished }
    productVariants(first: 20) {
      edges {
        node {
          id
          sku
          externalReference
          channelListings { channel { id slug } price { amount currency } }
        }
      }
    }
  }
}
"""

PRODUCT_CREATE = f"""
mutation OcopProductCreate($input: ProductCreateInput!) {{
  productCreate(input: $input) {{
    product {{ id }}
    {_ERRORS}
  }}
}}
"""

PRODUCT_UPDATE = f"""
mutation OcopProductUpdate($id: ID!, $input: ProductInput!) {{
  productUpdate(id: $id, input: $input) {{
    product {{ id }}
    {_ERRORS}
  }}
}}
"""

VARIANT_CREATE = f"""
mutation OcopVariantCreate($input: ProductVariantCreateInput!) {{
  productVariantCreate(input: $input) {{
    productVariant {{ id sku externalReference }}
    {_ERRORS}
  }}
}}
"""

VARIANT_UPDATE = f"""
mutation OcopVariantUpdate($id: ID!, $input: ProductVariantInput!) {{
  productVariantUpdate(id: $id, input: $input) {{
    productVariant {{ id sku externalReference }}
    {_ERRORS}
  }}
}}
"""

PRODUCT_CHANNEL_LISTING_UPDATE = """
mutation OcopProductChannelListing($id: ID!, $input: ProductChannelListingUpdateInput!) {
  productChannelListingUpdate(id: $id, input: $input) {
    product { id }
    errors { field code message channels }
  }
}
"""

VARIANT_CHANNEL_LISTING_UPDATE = """
mutation OcopVariantChannelListing($id: ID!, $input: [ProductVariantChannelListingAddInput!]!) {
  productVariantChannelListingUpdate(id: $id, input: $input) {
    variant { id }
    errors { field code message channels }
  }
}
"""

_ORDER_FRAGMENT = """
fragment OcopOrder on Order {
  id
  number
  created
  status
  channel { slug currencyCode }
  total { gross { amount currency } }
  lines {
    id
    productName
    productSku
    quantity
    totalPrice { gross { amount currency } }
    variant { id sku externalReference product { id externalReference } }
  }
}
"""

#: Webhook subscriptions (in the manifest). ``__typename`` puts the event's kind inside the
#: signed body, so it cannot be changed by altering the unsigned ``Saleor-Event`` header.
ORDER_CREATED_SUBSCRIPTION = (
    """
subscription OcopOrderCreated {
  event { __typename issuedAt ... on OrderCreated { order { ...OcopOrder } } }
}
"""
    + _ORDER_FRAGMENT
)

ORDER_FULLY_PAID_SUBSCRIPTION = (
    """
subscription OcopOrderFullyPaid {
  event { __typename issuedAt ... on OrderFullyPaid { order { ...OcopOrder } } }
}
"""
    + _ORDER_FRAGMENT
)

ORDER_CANCELLED_SUBSCRIPTION = (
    """
subscription OcopOrderCancelled {
  event { __typename issuedAt ... on OrderCancelled { order { ...OcopOrder } } }
}
"""
    + _ORDER_FRAGMENT
)


def is_document_name(name: str) -> bool:
    """Public upper-case names are documents; ``_``-prefixed ones are shared pieces."""
    return name.isupper() and not name.startswith("_")


#: Every document above.
ALL: frozenset[str] = frozenset(
    value
    for name, value in dict(globals()).items()
    if is_document_name(name) and isinstance(value, str)
)
