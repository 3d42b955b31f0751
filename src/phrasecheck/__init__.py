"""phrasecheck: check agents' speech in service calls and chats against a centre's phrase rules."""

__version__ = "0.1.0"
