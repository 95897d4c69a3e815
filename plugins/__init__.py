"""Plugins that extend the Oscar engine: one Django app per business domain."""
