"""Payments and checkout for OCOP Market: Vietnamese addresses, booking dates for tourism
services, cash on delivery and Stripe cards, on top of Oscar's checkout."""
