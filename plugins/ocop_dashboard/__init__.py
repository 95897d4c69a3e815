"""The producer workspace: Oscar's dashboard, forked the Oscar way and restricted for producer
users (users of a producer's Oscar partner, ``partner.users``).

This package replaces Oscar's ``dashboard`` app (same label) so that Oscar's class loader picks
up the overrides in ``catalogue`` and ``orders``; everything not overridden here is Oscar's own.
See docs/producers.md.
"""
