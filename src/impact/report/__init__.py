"""impact.report: figures, tables, plain-language text, disclosure control and rendering.

Reports read a results bundle (:class:`Bundle`) and compute nothing heavy. Everything that
leaves the machine goes through disclosure control (:func:`suppress_small_cells`).
"""

from impact.report.bundle import Bundle
from impact.report.disclosure import (
    SuppressedTable,
    disclose_count,
    hide_small_groups,
    suppress_small_cells,
)
from impact.report.document import ReportContext
from impact.report.figures import (
    event_study_plot,
    group_time_plot,
    ledger_plot,
    npv_distribution_plot,
    pooled_posterior_plot,
    site_forest_plot,
    tornado_plot,
)
from impact.report.formatting import (
    format_count,
    format_interval,
    format_nok,
    format_number,
    format_percent,
    format_percentage_points,
    format_probability,
)
from impact.report.qmd import read_qmd, unsupported_features
from impact.report.rendering import output_name, render
from impact.report.tables import (
    ReportTable,
    appraisal_table,
    descriptives_table,
    estimates_table,
    event_study_table,
    ledger_table,
    plus_minus_table,
    scenarios_table,
    site_effects_table,
)
from impact.report.text import conclusion, headline_estimate
from impact.report.vocabulary import parameter_label, payer_label, quantity_label

__all__ = [
    "Bundle",
    "ReportContext",
    "ReportTable",
    "SuppressedTable",
    "appraisal_table",
    "conclusion",
    "descriptives_table",
    "disclose_count",
    "estimates_table",
    "event_study_plot",
    "event_study_table",
    "format_count",
    "format_interval",
    "format_nok",
    "format_number",
    "format_percent",
    "format_percentage_points",
    "format_probability",
    "group_time_plot",
    "headline_estimate",
    "hide_small_groups",
    "ledger_plot",
    "ledger_table",
    "npv_distribution_plot",
    "output_name",
    "parameter_label",
    "payer_label",
    "plus_minus_table",
    "pooled_posterior_plot",
    "quantity_label",
    "read_qmd",
    "render",
    "scenarios_table",
    "site_effects_table",
    "site_forest_plot",
    "suppress_small_cells",
    "tornado_plot",
    "unsupported_features",
]
