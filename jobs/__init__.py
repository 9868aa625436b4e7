"""Paperboy's pipeline: sources, digest formats, the store and scheduled jobs. Never imports discord."""
