# Type stub: the public names of this package, for mypy and IDEs. At run time
# __init__.py hands this file to lazy_loader.attach_stub, so each name is imported
# from its submodule on first use. Add a public name here (import and __all__).

from .disclosure import (
    SuppressedTable,
    disclose_count,
    hide_small_groups,
    suppress_small_cells,
)
from .document import ReportContext
from .figures import (
    event_study_plot,
    group_time_plot,
    ledger_plot,
    npv_distribution_plot,
    pooled_posterior_plot,
    site_forest_plot,
    tornado_plot,
)
from .formatting import (
    format_count,
    format_interval,
    format_nok,
    format_number,
    format_percent,
    format_percentage_points,
    format_probability,
)
from .portfolio import portfolio_page, write_portfolio
from .qmd import (
    read_qmd,
    unsupported_features,
)
from .rendering import (
    output_name,
    render,
)
from .tables import (
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
from .text import (
    conclusion,
    headline_estimate,
)
from .vocabulary import (
    parameter_label,
    payer_label,
    quantity_label,
)

__all__ = [
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
    "portfolio_page",
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
    "write_portfolio",
]
