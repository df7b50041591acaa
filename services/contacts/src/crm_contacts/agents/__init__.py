"""The agents of the routing service as its events tell (id → team), for row-level access."""
