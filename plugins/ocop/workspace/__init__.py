"""Producers' certificate scans and certification change requests, and the department's review
of those requests (pages under ``/dashboard/ocop/``)."""
