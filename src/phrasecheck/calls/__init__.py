"""Call recordings -> Conversations: decode, find the model, cut windows, transcribe, build turns, cache."""
