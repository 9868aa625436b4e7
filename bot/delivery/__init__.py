"""Sending to Discord: the outbox sender, its targets, and the DM fan-out plan."""
