"""The OCOP plugin: producers, certificates, product groups, and the certificate import."""
