"""Every public name of impact.report is documented.

Its docstring examples run in tests/test_doctests.py with those of every other module.
"""

from __future__ import annotations


def test_public_names_are_documented() -> None:
    import impact.report as report

    for name in report.__all__:
        obj = getattr(report, name)
        assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name
