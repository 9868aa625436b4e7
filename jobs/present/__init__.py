"""How papers read: pure text helpers for cards, digests and replies (titles, venues, ranking, summaries,
labelled parts, plurals and the reply catalogue). No discord here; bot/ builds embeds from these."""
