"""Planning: which new papers go to which feed, in which order, as which outbox messages."""
