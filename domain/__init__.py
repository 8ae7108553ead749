"""AgentIdP's domain: pure, synchronous, standard-library-only rules.

Aggregates: :mod:`organization`, :mod:`agent`, :mod:`credential`, :mod:`token`, :mod:`audit`.
Time, identifiers and randomness always come in as arguments, so every rule is deterministic.
"""
