"""impact.report: figures, tables, plain-language text, disclosure control and rendering.

Reports read a results bundle (:class:`Bundle`) and compute nothing heavy. Everything that
leaves the machine goes through disclosure control (:func:`suppress_small_cells`).
"""

import lazy_loader

# Public names load on first use: listed once in __init__.pyi (why: see impact/__init__.py).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
