"""Every table and draws file an analysis writes into a results bundle, declared once.

Writers (:meth:`impact.bundle.Bundle.write_table`, ``write_draws``) refuse a name or a column
that is not declared here; readers get exactly these columns and dtypes back. Effects are on
the scale of the outcome (a probability for binary outcomes: 0.05 = 5 percentage points);
every interval is a 95 % interval of the kind its table says. A change here is a change of
the bundle's contract: raise :data:`impact.bundle.SCHEMA_VERSION` and regenerate
``docs/bundle.md`` (``python tools/bundle_docs.py``; a test compares them).
"""

from __future__ import annotations

from impact.bundle.schema import Column, Table

# Columns that recur: the results contract's estimate, se and 95 % interval.
_ESTIMATE = Column("estimate", "float", "point estimate of the effect")
_SE = Column("se", "float", "standard error (posterior sd for Bayesian rows)")
_LOWER = Column("ci_lower", "float", "lower end of the 95 % interval")
_UPPER = Column("ci_upper", "float", "upper end of the 95 % interval")
_EVENT_TIME = Column("event_time", "int", "years since the unit's start (0 = first year)")
_P_POSITIVE = Column("p_positive", "float", "posterior probability that the effect is above 0")
_N_TREATED = Column(
    "n_treated", "int", "persons in the treated cells behind the estimate", count=True
)
_POSTERIOR = (
    Column("estimate", "float", "posterior mean"),
    Column("se", "float", "posterior standard deviation"),
    Column("ci_lower", "float", "2.5 % posterior quantile (95 % equal-tailed credible interval)"),
    Column("ci_upper", "float", "97.5 % posterior quantile (95 % equal-tailed credible interval)"),
)
_ANALYSES = "impact.study.run_study (studies/<programme>.toml)"

APPRAISAL_QUANTITIES = (
    "npv",
    "npv_deterministic",
    "pv_benefits",
    "pv_costs",
    "benefit_cost_ratio",
    "net_benefit_per_participant",
    "cost_per_participant",
    "p_npv_positive",
    "effect_estimate",
    "break_even_effect",
    "p_effect_beneficial",
    "p_effect_above_break_even",
)
"""Rows of ``appraisal_summary`` (the ``quantity`` column)."""
_CBA = "impact.cba.Appraisal.bundle_tables()"


def _bayes_rows(name: str, meaning: str) -> Table:
    return Table(
        name,
        "table",
        meaning,
        (
            Column("estimand", "str", "'simple', 'dynamic', 'site' or 'group'"),
            Column("site", "code", "site code for site rows; missing otherwise", nullable=True),
            Column("event_time", "int", "years since start for dynamic rows", nullable=True),
            *_POSTERIOR,
            Column("median", "float", "posterior median"),
            _P_POSITIVE,
            _N_TREATED,
            Column("ess_bulk", "float", "bulk effective sample size of the quantity"),
            Column("r_hat", "float", "split R-hat of the quantity"),
            Column("link", "str", "'logit' or 'identity': the model's link"),
        ),
        "impact.bayes hierarchical_did(...).to_frame()",
    )


_DECLARED: tuple[Table, ...] = (
    Table(
        "descriptives",
        "table",
        "Persons and persons with the outcome by programme group and year (raw counts; "
        "reports suppress small cells).",
        (
            Column("group", "str", "programme group", values=("adopting", "comparison")),
            Column("year", "int", "calendar year"),
            Column("n_persons", "int", "persons", count=True),
            Column("n_outcome", "int", "persons with the outcome", count=True),
            Column("rate", "float", "n_outcome / n_persons"),
        ),
        _ANALYSES,
    ),
    Table(
        "estimates",
        "table",
        "One row per estimator of the average effect; the row with headline = True is "
        "the one the report's conclusion quotes.",
        (
            Column("estimator", "str", "estimator key, e.g. 'imputation', 'att_gt_simple'"),
            Column("label", "str", "label in English (same as label_en)"),
            Column("label_en", "str", "label in English"),
            Column("label_nb", "str", "label in bokmål"),
            Column("headline", "bool", "the estimate the conclusion quotes"),
            _ESTIMATE,
            Column("se", "float", "standard error; missing for a naive summary", nullable=True),
            Column("ci_lower", "float", "lower end of the 95 % interval", nullable=True),
            Column("ci_upper", "float", "upper end of the 95 % interval", nullable=True),
            Column("method", "str", "how the estimate and its interval were obtained"),
        ),
        _ANALYSES,
    ),
    Table(
        "twfe_event_study",
        "table",
        "Two-way fixed-effects event study (the naive comparison): one coefficient per "
        "event time, relative to event time -1; cluster-robust 95 % intervals.",
        (
            _EVENT_TIME,
            _ESTIMATE,
            _SE,
            _LOWER,
            _UPPER,
            Column(
                "pvalue",
                "float",
                "two-sided p-value; missing for the reference period",
                nullable=True,
            ),  # fmt: skip
            Column("binned", "bool", "the end point bins all event times beyond it"),
        ),
        "impact.did event_study(...).to_frame()",
    ),
    Table(
        "att_gt",
        "table",
        "Callaway–Sant'Anna group-time effects ATT(g, t): cohort g in year t against "
        "its base year; pointwise and simultaneous (uniform) 95 % bands.",
        (
            Column("cohort", "int", "adoption year g of the cohort"),
            Column("time", "int", "calendar year t"),
            _EVENT_TIME,
            _ESTIMATE,
            _SE,
            _LOWER,
            _UPPER,
            Column(
                "cband_lower",
                "float",
                "lower end of the simultaneous 95 % band; missing without the multiplier bootstrap",
                nullable=True,
            ),  # fmt: skip
            Column(
                "cband_upper",
                "float",
                "upper end of the simultaneous 95 % band; missing without the multiplier bootstrap",
                nullable=True,
            ),  # fmt: skip
            Column("base_time", "int", "the base year the cell is compared with"),
            Column("post", "bool", "t is at or after g"),
            Column("n_treated", "int", "units of the cohort in the cell"),
            Column("n_control", "int", "comparison units in the cell"),
        ),
        "impact.did att_gt(...).to_frame()",
    ),
    Table(
        "cs_dynamic",
        "table",
        "Callaway–Sant'Anna event study: the average effect by years since start, with "
        "pointwise and simultaneous (uniform) 95 % bands.",
        (
            _EVENT_TIME,
            _ESTIMATE,
            _SE,
            _LOWER,
            _UPPER,
            Column("uniform_lower", "float", "lower end of the simultaneous 95 % band"),
            Column("uniform_upper", "float", "upper end of the simultaneous 95 % band"),
        ),
        "impact.did att_gt(...).aggregate('dynamic')",
    ),
    Table(
        "imputation_dynamic",
        "table",
        "Imputation estimator (Borusyak, Jaravel & Spiess) by years since start; "
        "conservative clustered 95 % intervals.",
        (
            _EVENT_TIME,
            _ESTIMATE,
            _SE,
            _LOWER,
            _UPPER,
            Column("pvalue", "float", "two-sided p-value"),
            Column("n_obs", "int", "treated unit-years behind the estimate"),
        ),
        "impact.did imputation(...).table",
    ),
    Table(
        "trend_sensitivity",
        "table",
        "HonestDiD sensitivity of the average post-period effect: 95 % robust intervals "
        "as the allowed violation of parallel trends m grows.",
        (
            Column(
                "m",
                "float",
                "allowed violation (relative magnitude M-bar); missing "
                "for the original, parallel-trends row",
                nullable=True,
            ),  # fmt: skip
            _ESTIMATE,
            Column("se", "float", "standard error; missing for robust rows", nullable=True),
            _LOWER,
            _UPPER,
            Column("restriction", "str", "'parallel trends' or the restriction on trends"),
            Column("method", "str", "'original' or the robust interval's method"),
        ),
        "impact.did honest_did(...).to_frame()",
    ),
    Table(
        "site_effects",
        "table",
        "Effect in each site (municipality) from the hierarchical model, beside the "
        "site's own unpooled DiD.",
        (
            Column("site", "code", "site code (e.g. municipality number, kept as text)"),
            _N_TREATED,
            *_POSTERIOR,
            _P_POSITIVE,
            Column(
                "raw_estimate", "float", "the site's own (unpooled) DiD estimate", nullable=True
            ),  # fmt: skip
            Column("raw_se", "float", "standard error of raw_estimate", nullable=True),
        ),
        "impact.study.bayes_stage.write_bayes",
    ),
    Table(
        "pooled_effect",
        "table",
        "The hierarchical model's average effect per treated person.",
        (
            Column("quantity", "str", "'att': average effect on the treated", values=("att",)),
            *_POSTERIOR,
            _P_POSITIVE,
        ),
        "impact.study.bayes_stage.write_bayes",
    ),
    _bayes_rows(
        "bayes_dynamic",
        "Hierarchical model's effect by years since start (identity link, risk difference).",
    ),
    _bayes_rows(
        "bayes_dynamic_logit",
        "Hierarchical model's rows with the logit link (cross-check of bayes_dynamic).",
    ),
    _bayes_rows(
        "bayes_dynamic_identity",
        "Hierarchical model's rows with the identity link (cross-check of bayes_dynamic "
        "when the first link is the logit).",
    ),
    Table(
        "other_outcomes",
        "table",
        "The effect on each outcome other than the headline one: Callaway–Sant'Anna with "
        "the headline's settings (covariates, doubly robust, controls, clusters), simple "
        "aggregation over treated cells; 95 % pointwise interval.",
        (
            Column("outcome", "str", "the outcome column (as in the study specification)"),
            Column("estimator", "str", "estimator key, e.g. 'att_gt_simple'"),
            _ESTIMATE,
            _SE,
            _LOWER,
            _UPPER,
            Column("valued", "bool", "the appraisal puts a money value on this effect"),
        ),
        _ANALYSES,
    ),
    # -- cost-benefit (impact.cba) --------------------------------------------------
    Table(
        "appraisal_summary",
        "table",
        "Headline numbers of the cost-benefit appraisal (NOK of the price year, present "
        "values by the schedule).",
        (
            Column("programme", "str", "programme name"),
            Column("quantity", "str", "what the row is", values=APPRAISAL_QUANTITIES),
            Column(
                "outcome", "str", "outcome of an effect row; missing otherwise", nullable=True
            ),  # fmt: skip
            Column("estimate", "float", "value (mean over draws)"),
            Column("se", "float", "sd over draws; missing if deterministic", nullable=True),
            Column("ci_lower", "float", "2.5 % quantile over draws", nullable=True),
            Column("ci_upper", "float", "97.5 % quantile over draws", nullable=True),
            Column("unit", "str", "'NOK', 'ratio', 'probability', ..."),
            Column("price_year", "int", "price year of NOK amounts"),
            Column("schedule", "str", "discount schedule, e.g. 'r109'"),
        ),
        _CBA,
    ),
    Table(
        "ledger",
        "table",
        "Who pays and who gains: present value by party (kommune, fylkeskommune, stat, "
        "participant, rest of society); the parties sum to the NPV.",
        (
            Column("payer", "str", "party"),
            Column("present_value_nok", "float", "expected present value, NOK"),
            Column("per_participant_nok", "float", "present value per participant, NOK"),
            Column("ci_lower", "float", "2.5 % quantile over draws, NOK"),
            Column("ci_upper", "float", "97.5 % quantile over draws, NOK"),
        ),
        _CBA,
    ),
    Table(
        "ledger_items",
        "table",
        "The ledger by party and item (earnings, taxes, transfers, services, costs).",
        (
            Column("party", "str", "party"),
            Column("item", "str", "item of the ledger"),
            Column("pv", "float", "expected present value, NOK"),
            Column("ci_lower", "float", "2.5 % quantile over draws, NOK"),
            Column("ci_upper", "float", "97.5 % quantile over draws, NOK"),
            Column("pv_per_participant", "float", "present value per participant, NOK"),
        ),
        _CBA,
    ),
    Table(
        "payback",
        "table",
        "The first year after which each budget's cumulative discounted net flow stays "
        "non-negative.",
        (
            Column("party", "str", "party, 'public' or 'society'"),
            Column(
                "payback_year",
                "int",
                "years after the start; missing when it never pays back within the horizon",
                nullable=True,
            ),  # fmt: skip
            Column(
                "payback_calendar_year", "int", "calendar year of payback_year", nullable=True
            ),  # fmt: skip
            Column("pv", "float", "present value of the party's net flow, NOK"),
        ),
        _CBA,
    ),
    Table(
        "tornado",
        "table",
        "One-way sensitivity: NPV with each uncertain parameter at its low and high value.",
        (
            Column("parameter", "str", "parameter key (see cba_parameters)"),
            Column("low", "float", "low value of the parameter"),
            Column("high", "float", "high value of the parameter"),
            Column("low_npv", "float", "NPV at the low value, NOK"),
            Column("high_npv", "float", "NPV at the high value, NOK"),
            Column("central_npv", "float", "NPV at the central values, NOK"),
            Column("unit", "str", "unit of the parameter"),
            Column("verify", "bool", "the value is an assumption still to be verified"),
            Column("swing", "float", "|high_npv - low_npv|, NOK"),
        ),
        _CBA,
    ),
    Table(
        "scenarios",
        "table",
        "The appraisal under other settings (discount schedule, horizon, persistence ...).",
        (
            Column("scenario", "str", "what is varied"),
            Column("setting", "str", "its value in this row"),
            Column("npv_deterministic", "float", "NPV at central values, NOK"),
            Column("npv", "float", "expected NPV over draws, NOK"),
            Column("prob_npv_positive", "float", "P(NPV > 0)"),
            Column("bcr", "float", "benefit-cost ratio"),
            Column(
                "persistence",
                "str",
                "the persistence assumption behind the row; missing when no effect is on a "
                "yearly status (nothing to persist)",
                nullable=True,
            ),
        ),
        _CBA,
    ),
    Table(
        "cba_persistence",
        "table",
        "How each effect on a yearly status continues beyond the years it was measured "
        "(a named assumption of the appraisal), and whether the NPV's sign depends on it.",
        (
            Column("outcome", "str", "outcome key"),
            Column(
                "assumption",
                "str",
                "the kind of assumption",
                values=("none", "permanent", "decay", "profile"),
            ),
            Column("description", "str", "the assumption in plain words (English)"),
            Column("rate", "float", "yearly decay factor; missing unless decay", nullable=True),
            Column("low", "float", "low end of the decay factor's range", nullable=True),
            Column("high", "float", "high end of the decay factor's range", nullable=True),
            Column("parameter", "str", "parameter holding the rate", nullable=True),
            Column("origin", "str", "where the assumption comes from"),
            Column("measured_from", "int", "first year after the start with a measured effect"),
            Column("measured_to", "int", "last year after the start with a measured effect"),
            Column("measured_source", "str", "where the measured years come from"),
            Column("npv_none", "float", "NPV if the effect stops after the measured years, NOK"),
            Column("npv_permanent", "float", "NPV if the last measured effect holds, NOK"),
            Column(
                "sign_depends",
                "bool",
                "the NPV's sign (or P(NPV > 0) against 0.5) differs between the assumption "
                "and none or permanent",
            ),
            Column(
                "warning",
                "str",
                "plain-words warning when sign_depends; missing otherwise",
                nullable=True,
            ),
        ),
        _CBA,
    ),
    Table(
        "cba_streams",
        "table",
        "Which streams (earnings, taxes, transfers, services) each outcome moves, and which "
        "were valued (no stream is counted twice).",
        (
            Column("outcome", "str", "outcome key"),
            Column("moves", "str", "the named stream"),
            Column("flow", "str", "flow type: who pays and who gains follow from it"),
            Column("per_unit", "str", "parameter(s) valuing one unit of change"),
            Column("sign", "float", "+1 or -1: direction of the stream per unit"),
            Column("ages", "str", "ages over which the stream runs"),
            Column("valued", "bool", "the stream is in the appraisal"),
            Column("reason", "str", "why valued or not (e.g. it yields to another outcome)"),
        ),
        _CBA,
    ),
    Table(
        "plus_minus",
        "table",
        "Effects not valued in money, scored on the plus-minus scale of DFØ's guide.",
        (
            Column("effect", "str", "the effect"),
            Column("score", "int", "-4 to +4"),
            Column("assessment", "str", "the score as pluses and minuses"),
            Column("description", "str", "what the effect is"),
        ),
        _CBA,
    ),
    Table(
        "yearly_flows",
        "table",
        "Expected flows by party and year, undiscounted and discounted.",
        (
            Column("year", "int", "years after the start (0 = start)"),
            Column("calendar_year", "int", "calendar year"),
            Column("party", "str", "party"),
            Column("flow", "float", "expected real flow, NOK"),
            Column("discounted_flow", "float", "flow discounted to the start, NOK"),
        ),
        _CBA,
    ),
    Table(
        "cba_parameters",
        "table",
        "Every parameter of the appraisal with its range, distribution and source.",
        (
            Column("parameter", "str", "parameter key"),
            Column("value", "float", "central value"),
            Column("low", "float", "low value"),
            Column("high", "float", "high value"),
            Column("distribution", "str", "'fixed', 'uniform', 'triangular', 'pert', ..."),
            Column("unit", "str", "unit"),
            Column(
                "price_year", "int", "price year of NOK values; missing otherwise", nullable=True
            ),  # fmt: skip
            Column("income_linked", "bool", "grows with real income (R-109)"),
            Column("verify", "bool", "the value is an assumption still to be verified"),
            Column("source", "str", "where the value comes from"),
            Column("description", "str", "what the parameter is"),
        ),
        "impact.cba.Parameters.to_frame()",
    ),
    # -- draws ------------------------------------------------------------------------
    Table(
        "effect",
        "draws",
        "Draws of the effect the appraisal uses (the headline estimator's).",
        (Column("effect", "float", "one draw of the average effect"),),
        "impact.Effect.draws",
    ),
    Table(
        "pooled_effect",
        "draws",
        "Posterior draws of the hierarchical model's average effect on the treated.",
        (Column("att", "float", "one posterior draw of the ATT"),),
        "impact.study.bayes_stage.write_bayes",
    ),
    Table(
        "npv",
        "draws",
        "Monte Carlo draws of the net present value, NOK.",
        (Column("npv", "float", "one draw of the NPV, NOK"),),
        _CBA,
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in _DECLARED if t.kind == "table"}
"""Declared tables (``tables/<name>.csv``) by name."""

DRAWS: dict[str, Table] = {t.name: t for t in _DECLARED if t.kind == "draws"}
"""Declared draws files (``draws/<name>.csv``) by name; a draws file may share a table's name."""

IDATA: dict[str, str] = {
    "hierarchical_did": "ArviZ InferenceData of the hierarchical DiD, lean "
    "(impact.bayes.lean_idata): posterior, sample_stats, prior and observed_data as sampled; "
    "a `loo` group (elpd_loo and Pareto k per cell, totals as attributes) instead of the "
    "pointwise log-likelihood; 100 posterior-predictive draws a chain.",
}
"""Declared InferenceData files (``idata/<name>.nc``) and what they hold."""
