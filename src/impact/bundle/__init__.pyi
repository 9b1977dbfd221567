# Type stub: the public names of this package, for mypy and IDEs. At run time
# __init__.py hands this file to lazy_loader.attach_stub, so each name is imported
# from its submodule on first use. Add a public name here (import and __all__).

from .store import DEFAULT_BUNDLE_BYTES, SCHEMA_VERSION, Bundle

__all__ = ["DEFAULT_BUNDLE_BYTES", "SCHEMA_VERSION", "Bundle"]
