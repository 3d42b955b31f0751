"""Settings and rules as data: the profile, the YAML lexicons, recording-path patterns, where files are kept."""
