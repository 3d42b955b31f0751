"""Text before matching: traditional->simplified, normalisation with offsets, word boundaries."""
