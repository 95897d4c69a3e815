"""The shopper-facing side of the OCOP plugin: catalogue, search, product, producer and
traceability pages. Templates live in ``storefront_theme``."""
