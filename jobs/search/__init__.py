"""Search's pure parts, below the store: the query, the bigram rule, bm25 ranking, costs, the posting codec.

A search run over the store is `jobs.find`, above both this package and `jobs.store`.
"""
