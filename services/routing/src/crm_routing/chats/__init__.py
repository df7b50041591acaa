"""Chat sessions between a web visitor and the agent whose chat offer they accepted."""
