"""The agents' live feed: offers, assigned calls and chat messages, as server-sent events."""
