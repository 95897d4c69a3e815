"""Channel tracking: the channel registry, presences with evidence, activity, participation."""
