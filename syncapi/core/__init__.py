"""Rules and values every layer shares, with no Flask."""
