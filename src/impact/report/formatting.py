"""The number formatters of the reports: re-exported from :mod:`impact.plain_language`.

Plain-language numbers and verdicts have one home, shared by :mod:`impact.cba` and
:mod:`impact.report`; this module keeps ``impact.report.formatting`` importable for code
written against it. New code imports from :mod:`impact.plain_language`.
"""

from __future__ import annotations

from impact.plain_language import (
    LANGS,
    MINUS,
    NBSP,
    Lang,
    check_lang,
    format_count,
    format_interval,
    format_nok,
    format_number,
    format_percent,
    format_percentage_points,
    format_probability,
    nok_scale,
)

__all__ = [
    "LANGS",
    "MINUS",
    "NBSP",
    "Lang",
    "check_lang",
    "format_count",
    "format_interval",
    "format_nok",
    "format_number",
    "format_percent",
    "format_percentage_points",
    "format_probability",
    "nok_scale",
]
