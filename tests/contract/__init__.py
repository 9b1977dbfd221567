"""Factories of one small instance of every public results class, for tests/test_contract.py.

Each family module (``did``, ``bayes``, ``cba``) exposes ``INSTANCES``: a mapping from a
results class to a zero-argument callable that builds a (cached) instance on seeded
synthetic data. The roster test fails for a public results class without a factory here.
"""
