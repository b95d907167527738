"""Independent oracles (plain numpy following the documented formulas, no torch) and the
catalog of the tutorials' documented claims.

The tensor conformance tests use numpy's own operations as their oracle; the nn oracles
(conv, pooling, losses, ...) and the claims catalog live here.
"""
