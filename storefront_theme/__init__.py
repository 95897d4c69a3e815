"""Templates and static files that re-skin Oscar's storefront for OCOP."""
