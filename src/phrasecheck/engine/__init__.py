"""The checking engine: the fuzzy matcher, the rule decisions, and one pass over the inputs."""
