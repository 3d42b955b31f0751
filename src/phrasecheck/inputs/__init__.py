"""Which files are inputs, and how chat exports, transcripts and the recordings' manifest are read."""
