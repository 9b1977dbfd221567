"""impact.bundle: the results bundle an analysis writes and a report reads.

One declaration (:mod:`impact.bundle.schema`) names every table, draws file, InferenceData
and metadata entry, with columns, dtypes and meaning; :class:`Bundle` writes and reads
through it and writes atomically (:mod:`impact.bundle.atomic`).
"""

import lazy_loader

# Public names load on first use: listed once in __init__.pyi (why: see impact/__init__.py).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
