"""Fingerprint impact's public API (numbers, tables, texts, warnings, errors) as sorted JSON.

Run before and after a refactor, then compare; only the intended changes may differ::

    PYTHONPATH=src MPLBACKEND=Agg python tools/fingerprint.py before.json
    PYTHONPATH=src MPLBACKEND=Agg python tools/fingerprint.py --compare before.json after.json

Cases use public import paths on deterministic inputs: seeded simulations (scale 0.05),
``tests/reference/mpdta.csv``, seeded bootstraps, PyMC's mock sampler with a fixed seed and one
short real NUTS fit. A failing case records its exception instead of stopping the run.
Left out as nondeterministic: sampler wall times (every key ``seconds``), the temporary
directory's path (shown as ``<tmp>``) and the row order of ``prior_sensitivity`` (sorted here).
Internals (objects from ``impact.*._private`` modules, InferenceData) are named, not dumped.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import inspect
import json
import math
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
MP = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}
FLYT = {"outcome": "completion_rate", "unit": "municipality", "time": "year"}
FLYT["cohort"] = "adoption_year"
UNG = {"outcome": "neet", "unit": "person_id", "time": "year", "cohort": "enrol_year"}
SITE = 3312  # a treated Flyt municipality at seed 1, scale 0.05
Y8, S8 = [28.0, 8, -3, 7, -1, 1, 18, 12], [15.0, 10, 16, 11, 9, 11, 10, 18]  # eight schools
MAX_LIST = 1000  # longer arrays: statistics + 250 strided values; longer frames: 250 rows
TMP = tempfile.mkdtemp(prefix="fingerprint-")
Case = tuple[str, Callable[[], Any]]
DROP = "<drop>"  # an option value that removes a key of the data's spec
Methods = dict[str, tuple[str, dict[str, Any]]]  # label -> (method name, keyword arguments)


# -- canonical, JSON-safe values ------------------------------------------------------------
def num(x: Any) -> float | str:
    x = float(x)
    return repr(x) if not math.isfinite(x) else float(f"{x:.12g}")  # 12 significant digits


def canon(x: Any, depth: int = 0) -> Any:
    """Rounded, JSON-ready form of a value; frames keep their column structure."""
    if x is None or isinstance(x, bool | np.bool_):
        return None if x is None else bool(x)
    if isinstance(x, str):
        return x.replace(TMP, "<tmp>")
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return num(x)
    if x is pd.NA or x is pd.NaT:
        return repr(x)
    if type(x).__name__ == "InferenceData":  # its draws are fingerprinted through the results
        return {"groups": sorted(x.groups())}
    if isinstance(x, pd.DataFrame):
        n = len(x)
        x = x.iloc[:: n // 250] if n > MAX_LIST else x
        index = None if isinstance(x.index, pd.RangeIndex) else canon(list(x.index))
        data = {str(c): canon(list(x[c])) for c in x.columns}
        dtypes = {str(c): str(t) for c, t in x.dtypes.items()}
        cols = [str(c) for c in x.columns]
        return {"__frame__": True, "columns": cols, "index": index, "n_rows": n, "dtypes": dtypes,
                "data": data}  # fmt: skip
    if isinstance(x, pd.Series):
        return {"index": canon(list(x.index)), "values": canon(list(x))}
    if isinstance(x, np.ndarray):
        if x.dtype == object or x.size <= MAX_LIST:
            return {"shape": list(x.shape), "values": canon(x.ravel().tolist())}
        v = x.astype(float).ravel()
        q = np.quantile(v, [0.025, 0.25, 0.5, 0.75, 0.975])
        stats = {"mean": v.mean(), "sd": v.std(), "min": v.min(), "max": v.max()}
        return {"shape": list(x.shape), **canon(stats), "quantiles": canon(q),
                "sample": canon(v[:: v.size // 250].tolist())}  # fmt: skip
    if isinstance(x, dict) or (hasattr(x, "keys") and hasattr(x, "items")):
        return {str(k): canon(v, depth + 1) for k, v in x.items() if k != "seconds"}
    if isinstance(x, list | tuple):
        return [canon(v, depth + 1) for v in x]
    if dataclasses.is_dataclass(x) and _public_class(type(x)) and depth < 4:
        return {"__type__": type(x).__name__, **attributes(x, depth + 1)}
    return f"<{type(x).__name__}>"


def _public_class(cls: type) -> bool:
    """Public classes are dumped; internals (influence functions, settings) are only named.

    Decided by the public ``__all__`` of the packages, not by the module path, so moving a
    module (as the refactor of issue 9 did) does not change what is recorded.
    """
    import impact.bayes
    import impact.cba
    import impact.data
    import impact.did
    import impact.report

    packages = (impact, impact.did, impact.bayes, impact.cba, impact.report, impact.data)
    return any(getattr(p, cls.__name__, None) is cls for p in packages)


def attributes(obj: Any, depth: int = 0) -> dict[str, Any]:
    """Dataclass fields and public properties (a field turned property still matches)."""
    names = [f.name for f in dataclasses.fields(obj)] if dataclasses.is_dataclass(obj) else []
    names += [n for n, v in inspect.getmembers(type(obj)) if isinstance(v, property)]
    return {n: call(getattr, obj, n) for n in sorted(set(names)) if not n.startswith("_")}


def error(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}".replace(TMP, "<tmp>")


def call(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``f(*args, **kwargs)`` canonicalised (results recorded in full), or the exception text."""
    try:
        out = f(*args, **kwargs)
        return record(out, plot=False) if hasattr(out, "summary") else canon(out)
    except Exception as e:
        return {"error": error(e)}


def plot_info(obj: Any) -> dict[str, Any]:
    out = obj.plot()
    ax = out if hasattr(out, "get_title") else out.axes[0]
    sup = getattr(out, "_suptitle", None)
    labels = {"title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel()}
    plt.close("all")
    return {"returns": type(out).__name__, "suptitle": sup.get_text() if sup else "", **labels}


def effect_record(e: Any) -> dict[str, Any]:
    d = np.asarray(e.draws, dtype=float)
    names = ("outcome", "unit", "point", "draws_kind", "population", "estimator", "event_time")
    rec = {k: canon(getattr(e, k, None)) for k in (*names, "metadata", "n_draws")}
    q = np.quantile(d, [0.025, 0.5, 0.975], axis=0)
    rec |= {"draws_shape": list(d.shape), "draws_mean": canon(d.mean(axis=0)),
            "draws_sd": canon(d.std(axis=0)), "draws_quantiles": canon(q),
            "summary": call(e.summary), "to_frame": call(e.to_frame)}  # fmt: skip
    if d.ndim == 1:
        rec |= {"interval": call(e.interval, 0.95), "prob_greater": call(e.prob_greater, 0.0)}
    return rec


def effect_of(obj: Any, outcome: str | None, **kwargs: Any) -> dict[str, Any]:
    """``obj.effect``: keyword ``outcome=`` first, then positional, then none (old APIs)."""
    params = inspect.signature(obj.effect).parameters
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    kw = {k: v for k, v in kwargs.items() if k in params or var_kw}
    tries = [("<no outcome>", (), kw)]
    if outcome is not None:
        tries[:0] = [("outcome=<kw>", (), {"outcome": outcome, **kw}), ("<pos>", (outcome,), kw)]
    last: BaseException = TypeError("effect() could not be called")
    for form, args, kws in tries:
        try:
            e = obj.effect(*args, **kws)
        except TypeError as exc:
            last = exc
            continue
        sig = ", ".join([form, *(f"{k}={v!r}" for k, v in sorted(kw.items()))])
        return {"call": f"effect({sig})", **effect_record(e)}
    raise last


def record(obj: Any, *, outcome: str | None = None, effects: dict[str, dict[str, Any]] | None = None,
           methods: Methods | None = None, funcs: dict[str, Callable[[Any], Any]] | None = None,
           plot: bool = True) -> dict[str, Any]:  # fmt: skip
    """What a result shows: summary, to_frame(), attributes, effects, other methods, plot labels."""
    rec: dict[str, Any] = {
        "type": type(obj).__name__,
        "summary": call(obj.summary) if hasattr(obj, "summary") else str(obj),
        "to_frame": call(obj.to_frame) if hasattr(obj, "to_frame") else None,
        "attributes": attributes(obj),
    }
    for label, kwargs in (effects or {}).items():
        rec[f"effect[{label}]"] = call(effect_of, obj, outcome, **kwargs)
    for label, (name, kwargs) in (methods or {}).items():
        rec[label] = call(lambda n=name, k=kwargs: getattr(obj, n)(**k))
    for label, fn in (funcs or {}).items():
        rec[label] = call(fn, obj)
    if plot and hasattr(obj, "plot"):
        rec["plot"] = call(plot_info, obj)
    return rec


def resolve(name: str, *modules: str) -> Any:
    """A public function that may move between modules in the refactor."""
    for m in modules:
        with contextlib.suppress(ImportError, AttributeError):
            return getattr(importlib.import_module(m), name)
    raise ImportError(f"{name} not found in {modules}")


@contextlib.contextmanager
def mocked_sampler() -> Iterator[None]:
    """PyMC's mock sampler (prior draws with the fit's seed): deterministic and fast."""
    from pymc.testing import mock_sample_setup_and_teardown

    mocking = mock_sample_setup_and_teardown()
    next(mocking)
    try:
        yield
    finally:
        next(mocking, None)


# -- inputs (built once) ----------------------------------------------------------------------
_cache: dict[str, Any] = {}


def cached(key: str, make: Callable[[], Any]) -> Any:
    if key not in _cache:
        try:
            _cache[key] = make()
        except Exception as e:
            _cache[key] = e
    if isinstance(_cache[key], Exception):
        raise _cache[key]
    return _cache[key]


def mpdta() -> pd.DataFrame:
    d = pd.read_csv(ROOT / "tests" / "reference" / "mpdta.csv")
    d["state"] = d["countyreal"] // 1000
    d["w"] = 1.0 + (d["countyreal"] % 7) / 7
    d["post"] = ((d["first.treat"] > 0) & (d["year"] >= d["first.treat"])).astype(float)
    d["lpop_trend"] = d["lpop"] * (d["year"] - 2003) / 4  # a time-varying covariate
    return d


def sim(name: str) -> Any:
    from impact.data import simulate

    return cached(f"sim:{name}", lambda: simulate(name, seed=1, scale=0.05))


def unbalanced() -> pd.DataFrame:
    d = mpdta()
    return d.drop(index=np.random.default_rng(5).choice(d.index, len(d) // 5, replace=False))


DATA: dict[str, tuple[Callable[[], pd.DataFrame], dict[str, Any]]] = {
    "mpdta": (mpdta, MP),
    "unbalanced": (unbalanced, MP),
    "flyt": (lambda: sim("flyt").panel, FLYT),
    "unginvest": (lambda: sim("unginvest").panel, UNG),
}


def fit(fn: Callable[..., Any], data: str, **options: Any) -> Any:
    """``fn(data, **spec, **options)``, computed once per call signature."""
    make, spec = DATA[data]
    key = f"{fn.__name__}:{data}:{sorted(options.items(), key=str)}"
    kwargs = {k: v for k, v in {**spec, **options}.items() if v != DROP}
    return cached(key, lambda: fn(make(), **kwargs))


# -- difference-in-differences --------------------------------------------------------------
ATT_GT: dict[str, tuple[str, dict[str, Any]]] = {
    "mpdta/dr": ("mpdta", {}),
    "mpdta/ipw": ("mpdta", {"method": "ipw"}),
    "mpdta/reg": ("mpdta", {"method": "reg"}),
    "mpdta/dr_not_yet": ("mpdta", {"control_group": "not_yet_treated"}),
    "mpdta/reg_not_yet_universal": (
        "mpdta",
        {"method": "reg", "control_group": "not_yet_treated", "base_period": "universal"},
    ),
    "mpdta/dr_universal": ("mpdta", {"base_period": "universal"}),
    "mpdta/dr_anticipation1": ("mpdta", {"anticipation": 1}),
    "mpdta/dr_cov": ("mpdta", {"covariates": "lpop"}),
    "mpdta/ipw_cov": ("mpdta", {"covariates": ["lpop"], "method": "ipw"}),
    "mpdta/reg_cov_not_yet": (
        "mpdta",
        {"covariates": "lpop", "method": "reg", "control_group": "not_yet_treated"},
    ),
    "mpdta/dr_cluster_state": ("mpdta", {"cluster": "state"}),
    "mpdta/dr_weights_cov": ("mpdta", {"weights": "w", "covariates": "lpop"}),
    "mpdta/dr_boot": ("mpdta", {"n_boot": 199, "seed": 7}),
    "mpdta/dr_boot_mammen_state": (
        "mpdta",
        {"n_boot": 199, "seed": 3, "boot_weights": "mammen", "cluster": "state"},
    ),
    "mpdta/rc_dr_cov": ("mpdta", {"unit": None, "panel": False, "covariates": "lpop"}),
    "mpdta/rc_reg_not_yet": (
        "mpdta",
        {"unit": None, "panel": False, "method": "reg", "control_group": "not_yet_treated"},
    ),
    "mpdta/unbalanced_dr": ("unbalanced", {"allow_unbalanced_panel": True}),
    "mpdta/unbalanced_ipw_cov_boot": (
        "unbalanced",
        {
            "allow_unbalanced_panel": True,
            "method": "ipw",
            "covariates": "lpop",
            "n_boot": 99,
            "seed": 2,
        },
    ),
    "flyt/dr_boot": ("flyt", {"n_boot": 199, "seed": 11}),
    "unginvest/dr_cov": ("unginvest", {"covariates": ["grade_points", "immigrant"]}),
}
AGGREGATIONS: dict[str, dict[str, Any]] = {
    "simple": {}, "dynamic": {}, "group": {}, "calendar": {},
    "dynamic_window": {"min_e": -2, "max_e": 2}, "dynamic_balanced": {"balance_e": 1},
}  # fmt: skip
SEEDED = {"seed": {"seed": 4, "n_draws": 2000}}


def att_gt_fit(name: str) -> Any:
    from impact.did import att_gt

    data, options = ATT_GT[name]
    return fit(att_gt, data, **options)


def aggregation(name: str, agg: str) -> Any:
    kind, options = agg.split("_")[0], AGGREGATIONS[agg]
    return cached(f"agg:{name}:{agg}", lambda: att_gt_fit(name).aggregate(kind, **options, seed=1))


def att_gt_cases() -> list[Case]:
    cases: list[Case] = []
    scores: Methods = {"cluster_scores": ("cluster_scores", {})}
    for name, (data, _) in ATT_GT.items():
        outcome, plot = DATA[data][1]["outcome"], name == "mpdta/dr"
        cases.append((f"did/att_gt/{name}", lambda n=name, p=plot: record(att_gt_fit(n), plot=p)))
        full = name.startswith("mpdta/dr") or "boot" in name
        for agg in AGGREGATIONS if full else ("simple", "dynamic"):
            cases.append((f"did/att_gt/{name}/aggregate[{agg}]", lambda n=name, a=agg, o=outcome, p=plot:
                          record(aggregation(n, a), outcome=o, effects=SEEDED, methods=scores, plot=p)))  # fmt: skip
    honest = {
        "smoothness": {"m_grid": [0, 0.01, 0.02]},
        "relative_magnitude": {"restriction": "relative_magnitude", "m_grid": [0, 0.5, 1]},
        "rm_bonferroni": {
            "restriction": "relative_magnitude",
            "method": "bonferroni",
            "m_grid": [0.5],
        },
        "smoothness_l_vec": {"l_vec": [1, 0, 0, 0], "m_grid": [0, 0.02], "breakdown": False},
    }
    universal = lambda: aggregation("mpdta/dr_universal", "dynamic")  # noqa: E731
    for label, kw in honest.items():
        cases.append(
            (f"did/honest/att_gt_dynamic/{label}", lambda k=kw: record(universal().honest(**k)))
        )

    def direct() -> Any:
        from impact.did import honest_did

        a = universal()
        e = a.table["event_time"].to_numpy()
        keep = np.flatnonzero(e != -1)
        beta, sigma = a.table["att"].to_numpy()[keep], a.level_cov[np.ix_(keep, keep)]
        pre, post = int((e < -1).sum()), int((e >= 0).sum())
        return honest_did(
            beta, sigma, num_pre=pre, num_post=post, m_grid=[0, 0.02], grid_points=200
        )

    return [*cases, ("did/honest/direct", lambda: record(direct()))]


def did_cases() -> list[Case]:
    from impact.did import (
        event_study,
        imputation,
        randomization_test,
        twfe,
        twfe_weights,
        wild_bootstrap_scores,  # fmt: skip
        wild_cluster_bootstrap,
    )

    nocohort = {"cohort": None, "treatment": "post"}
    honest = {"honest_smoothness": ("honest", {"m_grid": [0, 0.01]}),
              "honest_rm": ("honest", {"restriction": "relative_magnitude", "m_grid": [0, 1]})}  # fmt: skip
    dyn = {
        "simple": {"seed": 7, "n_draws": 2000},
        "dynamic": {"kind": "dynamic", "seed": 7, "n_draws": 2000},
    }
    specs: list[tuple[str, Callable[..., Any], str, dict[str, Any], dict[str, Any], Methods]] = [
        ("twfe/mpdta/cohort", twfe, "mpdta", {}, SEEDED,
         {"weights": ("weights", {}), "wild_bootstrap": ("wild_bootstrap", {"n_boot": 499, "seed": 2})}),
        ("twfe/mpdta/treatment_state_cov", twfe, "mpdta",
         {**nocohort, "cluster": "state", "covariates": ["lpop_trend"]}, SEEDED, {}),
        ("twfe/unginvest/cohort", twfe, "unginvest", {}, SEEDED, {"weights": ("weights", {})}),
        ("event_study/mpdta", event_study, "mpdta", {}, SEEDED, honest),
        ("event_study/mpdta/bins_ref-2", event_study, "mpdta",
         {"leads": 2, "lags": 2, "reference": -2, "cluster": "state"}, SEEDED, honest),
        ("event_study/flyt", event_study, "flyt", {}, SEEDED, honest),
        ("imputation/mpdta/pretrends", imputation, "mpdta", {"pretrends": 2}, dyn,
         {"wild_bootstrap": ("wild_bootstrap", {"n_boot": 499, "seed": 3})}),
        ("imputation/mpdta/horizons_cov", imputation, "mpdta",
         {"horizons": [0, 1, 2], "covariates": ["lpop_trend"], "cluster": "state"}, dyn, {}),
        ("imputation/flyt", imputation, "flyt", {"cluster": "municipality"}, dyn, {}),
        ("randomization_test/twfe", randomization_test, "mpdta",
         {"cluster": "state", "n_perm": 99, "seed": 10}, {}, {}),
        ("randomization_test/imputation", randomization_test, "mpdta",
         {"cluster": "state", "statistic": "imputation", "n_perm": 99, "seed": 10}, {}, {}),
        ("wild_cluster_bootstrap/webb", wild_cluster_bootstrap, "mpdta",
         {"unit": DROP, "time": DROP, "cohort": DROP, "regressors": ["post", "lpop"], "cluster": "state",
          "coef": "post", "n_boot": 999, "seed": 8}, {"default": {}}, {}),
        ("wild_cluster_bootstrap/rademacher_null", wild_cluster_bootstrap, "mpdta",
         {"unit": DROP, "time": DROP, "cohort": DROP, "regressors": ["post", "lpop"], "cluster": "state",
          "coef": "post", "n_boot": 999, "seed": 8, "weights": "rademacher", "null": 0.01}, {"default": {}}, {}),
        ("twfe_weights/mpdta", twfe_weights, "mpdta", {}, {}, {}),
        ("twfe_weights/unginvest", twfe_weights, "unginvest", {}, {}, {}),
        ("twfe_weights/mpdta/treatment_no_outcome", twfe_weights, "mpdta", {**nocohort, "outcome": None}, {}, {}),
    ]  # fmt: skip
    cases: list[Case] = []
    for name, fn, data, options, effects, methods in specs:
        outcome = DATA[data][1]["outcome"]
        cases.append((f"did/{name}", lambda f=fn, d=data, k=options, o=outcome, e=effects, m=methods:
                      record(fit(f, d, **k), outcome=o, effects=e, methods=m)))  # fmt: skip

    def implied() -> Any:
        w = fit(twfe_weights, "mpdta", outcome=None)
        return w.implied(att_gt_fit("mpdta/dr").table)

    def scores() -> Any:
        simple = aggregation("mpdta/dr_cluster_state", "simple")
        s = simple.cluster_scores()[:, -1]
        return wild_bootstrap_scores(simple.att, s, weights="webb", n_boot=999, seed=9)

    cases.append(("did/twfe_weights/mpdta/implied_att_gt", implied))
    cases.append(("did/wild_bootstrap_scores/att_gt_state", lambda: record(scores(), outcome="lemp",
                  effects={"default": {}})))  # fmt: skip
    return cases


# -- Bayesian models --------------------------------------------------------------------------
def bayes_cases() -> list[Case]:
    from impact.bayes import (
        check_diagnostics,
        hierarchical_did,
        loo_check,
        partial_pooling,
        predictive_check,  # fmt: skip
        prior_sensitivity,
    )

    cell = {"outcome": "successes", "trials": "n", "time": "year", "treated": "treated",
            "event_time": "event_time", "chains": 4, "seed": 5, "draws": 40}  # fmt: skip
    ung = {**cell, "site": None, "cohort": "enrol_year", "covariates": ["age_band", "sex"],
           "site_effects": False, "dynamic": True, "outcome_name": "neet"}  # fmt: skip
    schools = pd.Series(Y8, index=[f"school {c}" for c in "ABCDEFGH"])
    fits: dict[str, Callable[[], Any]] = {
        "partial_pooling/mock": lambda: partial_pooling(
            schools, S8, mu_sd=5, tau_scale=5, draws=50, chains=4, seed=3
        ),
        "partial_pooling/mock_centered_default_priors": lambda: partial_pooling(
            [0.05, 0.01, 0.1, 0.03], [0.02, 0.03, 0.04, 0.02], parameterization="centered", draws=50, seed=4
        ),
        "hierarchical_did/flyt_logit_sites": lambda: hierarchical_did(
            sim("flyt").cells, **cell, site="municipality", cohort="adoption_year", site_effects=True,
            covariates=["parents_education", "grade_band"], dynamic=False, outcome_name="completed_vgs",
        ),
        "hierarchical_did/unginvest_identity_dynamic": lambda: hierarchical_did(
            sim("unginvest").cells, **ung, link="identity"
        ),
        "hierarchical_did/unginvest_logit_dynamic": lambda: hierarchical_did(
            sim("unginvest").cells, **ung, link="logit"
        ),
    }  # fmt: skip

    def mocked(key: str) -> Any:
        def make() -> Any:
            with mocked_sampler():
                return fits[key]()

        return cached(f"bayes:{key}", make)

    def real() -> Any:  # one short real NUTS fit: deterministic with a seed and cores=1
        kw = {"mu_sd": 5, "tau_scale": 5, "draws": 200, "tune": 200, "chains": 4, "cores": 1}
        return cached("bayes:real", lambda: partial_pooling(Y8, S8, seed=7, **kw))

    getters: dict[str, Callable[[], Any]] = {k: (lambda k=k: mocked(k)) for k in fits}
    getters["partial_pooling/real_nuts"] = real
    methods: Methods = {
        "to_frame(level=0.9)": ("to_frame", {"level": 0.9}),
        "to_frame(level=0.95, threshold=0.01)": ("to_frame", {"level": 0.95, "threshold": 0.01}),
    }
    funcs: dict[str, Callable[[Any], Any]] = {
        "check_diagnostics": lambda r: check_diagnostics(r.idata, warn=False),
        "loo_check": lambda r: loo_check(r.idata, warn=False),
        # ArviZ's psens lists the parameters in a different order from run to run: sorted here
        "prior_sensitivity": lambda r: prior_sensitivity(r.idata).sort_values(
            ["parameter", "index"], ignore_index=True
        ),
        "predictive_check[posterior]": lambda r: predictive_check(r),
        "predictive_check[prior]": lambda r: predictive_check(r, kind="prior"),
    }
    cases: list[Case] = []
    for key, get in getters.items():
        if key.startswith("partial"):
            site = "school A" if key.endswith("/mock") else "site_1"
            outcome, effects = "completed_vgs", {"pooled": {}, "predictive": {"kind": "predictive"}}
            effects["site"] = {"site": site}
            more = {**methods, "pooling_factors": ("pooling_factors", {}),
                    "prob_greater(1)": ("prob_greater", {"threshold": 1.0})}  # fmt: skip
        else:
            outcome, effects, more = (
                ("neet" if "unginvest" in key else "completed_vgs"),
                {},
                methods,
            )
            effects = {"simple": {}, "dynamic": {"kind": "dynamic"}}
            if "flyt" in key:
                effects["site"] = {"kind": "site", "site": SITE}
        cases.append((f"bayes/{key}", lambda g=get, o=outcome, e=effects, m=more:
                      record(g(), outcome=o, effects=e, methods=m, funcs=funcs)))  # fmt: skip
    return cases


# -- cost-benefit --------------------------------------------------------------------------------
def cba_cases() -> list[Case]:
    from impact import Effect
    from impact.cba import (
        GREEN_BOOK,
        Programme,
        appraise,
        discount_factors,
        flat,
        load_parameters,
        present_value,
    )

    unginvest = Programme(
        "UngInvest", participants=950, age=19, start_year=2024, neet_event_times=(0, 1, 2),
        costs={"kommune": 180_000, "stat": 90_000, "private": 30_000},
        non_monetised={"wellbeing": (2, "participants feel less outside"), "mental health": 1},
    )  # fmt: skip
    flyt = Programme(
        "Flyt", participants=4000, age=15, start_year=2024, outcomes=("completed_vgs",),
        costs={"kommune": [4_000, 1_000], "private": 1_500}, description="life skills",
        non_monetised={"mestring": (2, "mer mestring")},
    )  # fmt: skip
    vgs = Effect.from_normal(0.03, 0.012, outcome="completed_vgs", seed=1, estimator="att_gt")
    neet = Effect.from_normal(-0.08, 0.03, outcome="neet", seed=2, estimator="hierarchical_did")
    draws = np.random.default_rng(3).normal([-0.06, -0.05, -0.04], 0.02, size=(500, 3))
    dyn = Effect(outcome="neet", unit="probability", point=-0.05, event_time=(0, 1, 2),
                 draws_kind="bootstrap", draws=draws)  # fmt: skip
    specs = {
        "unginvest": ([vgs, neet], unginvest, {}),
        "flyt": ([vgs], flyt, {}),
        "unginvest_dynamic": ([dyn], unginvest, {}),
        "unginvest/green_book_independent": (
            [vgs, neet], unginvest, {"schedule": "green_book", "pairing": "independent"}
        ),
    }  # fmt: skip
    tables = (
        "tornado",
        "scenarios",
        "break_even",
        "payback",
        "plus_minus",
        "draws",
        "bundle_tables",
    )
    methods: Methods = {t: (t, {}) for t in tables}
    methods |= {
        "ledger[item]": ("ledger", {"by": "item"}), "ledger[party]": ("ledger", {"by": "party"}),
        "to_frame(level=0.9)": ("to_frame", {"level": 0.9}),
        "npv_interval(0.9)": ("npv_interval", {"level": 0.9}),
        "headline[nb]": ("headline", {"lang": "nb"}), "headline[en]": ("headline", {"lang": "en"}),
    }  # fmt: skip
    cases: list[Case] = []
    for key, (effects, programme, kw) in specs.items():

        def make(e: Any = effects, p: Any = programme, k: Any = kw) -> Any:
            return appraise(e, p, load_parameters(), n_draws=2000, seed=3, **k)

        cases.append((f"cba/appraise/{key}", lambda m=make: record(m(), methods=methods)))
    pm = {"cost_flows(4)": ("cost_flows", {"n_years": 4}), "plus_minus": ("plus_minus", {}),
          "horizon_years(67,75)": ("horizon_years", {"retirement_age": 67, "max_period": 75})}  # fmt: skip
    cases += [
        ("cba/parameters", lambda: record(load_parameters(), plot=False)),
        ("cba/programme/unginvest", lambda: record(unginvest, methods=pm)),
        ("cba/programme/flyt", lambda: record(flyt, methods=pm)),
    ]
    flows = [[-100.0, 30, 30, 30, 30], list(np.linspace(-1e6, 2e5, 80)), [[1.0] * 50, [2.0] * 50]]
    schedules = {"r109": "r109", "green_book": GREEN_BOOK, "flat4": flat(0.04), "float0.03": 0.03}
    pv = {
        f"{s}/{i}": (present_value, np.array(f), v)
        for s, v in schedules.items()
        for i, f in enumerate(flows)
    }
    cases.append(
        ("cba/present_value", lambda: {k: call(f, x, schedule=v) for k, (f, x, v) in pv.items()})
    )
    cases.append(
        (
            "cba/discount_factors",
            lambda: {s: call(discount_factors, 120, v) for s, v in schedules.items()},
        )
    )

    def headlines() -> dict[str, Any]:
        head = resolve("headline", "impact.cba.text", "impact.report.text")
        kw = {"name": "UngInvest", "npv": 12.3e6, "lower": -4.5e6, "upper": 3.1e7}
        return {f"p={p}/bcr={b}/{lang}": call(head, **kw, prob_positive=p, bcr=b, lang=lang)
                for p in (0.95, 0.8, 0.5, 0.2, 0.05) for b in (1.7, math.nan) for lang in ("nb", "en")}  # fmt: skip

    return [*cases, ("cba/text/headline", headlines)]


# -- report formatting and text ----------------------------------------------------------------------
VALUES = [
    0,
    0.4,
    -0.4,
    1,
    999.5,
    -1234.5,
    45_000,
    999_999,
    1e6,
    12_345_678.9,
    -2.5e9,
    math.nan,
    math.inf,
]
SHARES = [0.0, 0.004, 0.0437, -0.0437, 0.5, 0.995, 1.0]


def report_cases() -> list[Case]:
    import impact.report as rep

    def formats() -> dict[str, Any]:
        cba_nok = resolve("format_nok", "impact.cba.text", "impact.report.formatting")
        out: dict[str, Any] = {"format_number/de": call(rep.format_number, 1.0, lang="de")}
        for lang in ("nb", "en"):
            for v in VALUES:
                out[f"cba.format_nok/{lang}/{v!r}"] = call(cba_nok, v, lang=lang)
                for scale in ("auto", "millions", "kroner"):
                    out[f"report.format_nok/{lang}/{scale}/{v!r}"] = call(
                        rep.format_nok, v, lang=lang, scale=scale
                    )
                out[f"format_number/{lang}/{v!r}"] = call(
                    rep.format_number, v, lang=lang, decimals=1
                )
                out[f"format_count/{lang}/{v!r}"] = call(rep.format_count, v, lang=lang)
            for f in (rep.format_percent, rep.format_percentage_points, rep.format_probability):
                out |= {f"{f.__name__}/{lang}/{v!r}": call(f, v, lang=lang) for v in SHARES}
            for kind, lo, hi in (("pp", -0.01, 0.074), ("nok", -4.5e6, 3.1e7), ("nok", 100, 5e4),
                                 ("number", 1.25, 2.5), ("bogus", 0, 1)):  # fmt: skip
                out[f"format_interval/{lang}/{kind}/{lo}/{hi}"] = call(
                    rep.format_interval, lo, hi, lang=lang, kind=kind
                )
        return out

    def texts() -> dict[str, Any]:
        text = importlib.import_module("impact.report.text")
        est = pd.DataFrame({"estimator": ["twfe_event_study", "att_gt_simple", "imputation"],
                            "label": ["a", "b", "c"], "estimate": [0.02, 0.031, -0.012],
                            "ci_lower": [math.nan, 0.01, -0.03], "ci_upper": [math.nan, 0.05, 0.004]})  # fmt: skip
        dyn = pd.DataFrame({"event_time": [-1, 0, 1, 2], "att": [0.0, 0.01, 0.02, 0.035]})
        sites = pd.DataFrame({"site": list("abcd"), "mean": [0.01, 0.03, -0.01, 0.05],
                              "p_positive": [0.7, 0.95, 0.3, 0.99], "n_treated": [3, 40, 120, 60]})  # fmt: skip
        ledger = pd.DataFrame(
            {"payer": ["kommune", "stat", "participant"], "present_value_nok": [-5e6, 2e6, 9e6]}
        )
        payback = pd.DataFrame(
            {"party": ["kommune", "stat", "fylkeskommune"], "payback_year": [0, 7, None]}
        )
        meta = {
            "diagnostics": {
                "rhat": {"passed": False, "message": "R-hat 1.05."},
                "ess": {"passed": True},
            }
        }
        out: dict[str, Any] = {
            "headline_estimate": call(rep.headline_estimate, est),
            "headline_estimate[column]": call(
                rep.headline_estimate, est.assign(headline=[0, 0, 1])
            ),
        }
        for lang in ("nb", "en", "de"):
            for i in range(len(est)):
                for o in ("completed_vgs", "neet", "other"):
                    out[f"effect_paragraph/{lang}/{i}/{o}"] = call(
                        text.effect_paragraph, est.iloc[i], outcome=o, lang=lang
                    )
            out[f"dynamics_sentence/{lang}"] = call(text.dynamics_sentence, dyn, lang=lang)
            out[f"sites_paragraph/{lang}"] = call(
                text.sites_paragraph, sites, outcome="neet", lang=lang
            )
            for p in (0.97, 0.6, 0.3, None):
                s = pd.DataFrame({"quantity": ["npv", "p_npv_positive"], "value": [12.3e6, p],
                                  "ci_lower": [-4e6, None], "ci_upper": [3e7, None]})  # fmt: skip
                s = s if p is not None else s.iloc[:1]
                out[f"payoff_paragraph/{lang}/{p}"] = call(
                    text.payoff_paragraph, s, ledger=ledger, payback=payback, lang=lang
                )
            out[f"diagnostics_paragraph/{lang}"] = call(text.diagnostics_paragraph, meta, lang=lang)
        return out

    return [("report/formatting", formats), ("report/text", texts)]


# -- the studies' bundles (mocked sampler, scale 0.05), report tables and conclusions from them ---
def analysis_cases() -> list[Case]:
    import impact.report as rep
    from impact.data import save
    from impact.study import Project, run_study

    def bundle(name: str) -> Any:
        def make() -> Any:
            save(sim(name), Path(TMP) / "data")
            project = Project(ROOT, data_dir=Path(TMP) / "data", results_dir=Path(TMP) / "results")
            with mocked_sampler():
                return run_study(project.spec(name), project, fast=True, progress=lambda _: None)

        return cached(f"bundle:{name}", make)

    tables = {"descriptives": rep.descriptives_table, "estimates": rep.estimates_table,
              "site_effects": rep.site_effects_table, "ledger": rep.ledger_table,
              "plus_minus": rep.plus_minus_table, "scenarios": rep.scenarios_table,
              "appraisal_summary": rep.appraisal_table}  # fmt: skip

    def report_table(fn: Callable[..., Any], table: pd.DataFrame, **kw: Any) -> dict[str, Any]:
        t = fn(table, **kw)
        return {"frame": t.to_frame(), "markdown": t.to_markdown()}

    def fingerprint_bundle(name: str) -> dict[str, Any]:
        b = bundle(name)
        out = {
            "tables": {t: canon(b.read_table(t)) for t in b.tables()},
            "metadata": canon(b.metadata),
        }
        for lang in ("nb", "en"):
            out[f"conclusion[{lang}]"] = call(rep.conclusion, b, lang=lang)
            for t, fn in tables.items():
                if b.has_table(t):
                    out[f"{t}_table[{lang}]"] = call(report_table, fn, b.read_table(t), lang=lang)
            robust = b.read_table("cs_dynamic") if b.has_table("cs_dynamic") else None
            es = b.read_table("twfe_event_study")
            out[f"event_study_table[{lang}]"] = call(
                report_table, rep.event_study_table, es, robust=robust, lang=lang
            )
        return out

    return [(f"analyses/{n}", lambda n=n: fingerprint_bundle(n)) for n in ("flyt", "unginvest")]


# -- known-bad inputs: the exception and its message -----------------------------------------------------
def error_cases() -> list[Case]:
    from impact import Effect
    from impact.bayes import hierarchical_did, partial_pooling
    from impact.cba import Programme, appraise
    from impact.data import simulate
    from impact.did import att_gt, event_study, imputation, randomization_test, twfe, twfe_weights

    def changed(column: str, rows: Callable[[pd.DataFrame], Any], value: Any) -> pd.DataFrame:
        d = mpdta()
        d.loc[rows(d), column] = value
        return d

    def neg() -> pd.DataFrame:
        return changed("first.treat", lambda d: d["countyreal"] == 8001, -1)

    def varying() -> pd.DataFrame:
        return changed("first.treat", lambda d: d.index == 0, 2006)

    def missing() -> pd.DataFrame:
        return changed("lemp", lambda d: d.index < 3, np.nan)

    one = {"participants": 1, "age": 20, "start_year": 2024}
    cells = {
        "outcome": "successes",
        "trials": "n",
        "site": "kommune",
        "time": "year",
        "treated": "treated",
    }
    cases: dict[str, Callable[[], Any]] = {
        "att_gt/missing_column": lambda: att_gt(mpdta(), **{**MP, "outcome": "nope"}),
        "att_gt/negative_cohort": lambda: att_gt(neg(), **MP),
        "att_gt/cohort_varies": lambda: att_gt(varying(), **MP),
        "att_gt/duplicate_rows": lambda: att_gt(pd.concat([mpdta(), mpdta().iloc[:1]]), **MP),
        "att_gt/missing_outcome": lambda: att_gt(missing(), **MP),
        "att_gt/unbalanced": lambda: att_gt(unbalanced(), **MP),
        "att_gt/bad_method": lambda: att_gt(mpdta(), **MP, method="ols"),
        "att_gt/bad_control_group": lambda: att_gt(mpdta(), **MP, control_group="all"),
        "att_gt/no_never_treated": lambda: att_gt(mpdta().query("`first.treat` > 0"), **MP),
        "aggregate/bad_kind": lambda: att_gt_fit("mpdta/dr").aggregate("weekly"),
        "honest/varying_base": lambda: aggregation("mpdta/dr", "dynamic").honest(),
        "twfe/missing_column": lambda: twfe(mpdta(), **{**MP, "unit": "county"}),
        "twfe/negative_cohort": lambda: twfe(neg(), **MP),
        "twfe/no_cohort_or_treatment": lambda: twfe(mpdta(), **{**MP, "cohort": None}),
        "event_study/negative_cohort": lambda: event_study(neg(), **MP),
        "imputation/negative_cohort": lambda: imputation(neg(), **MP),
        "randomization_test/negative_cohort": lambda: randomization_test(neg(), **MP, n_perm=9, seed=1),
        "twfe_weights/negative_cohort": lambda: twfe_weights(neg(), **{**MP, "outcome": None}),
        "partial_pooling/one_site": lambda: partial_pooling([1.0], [1.0]),
        "partial_pooling/sites_mismatch": lambda: partial_pooling([1.0, 2], [1.0, 1], sites=["a", "b", "c"]),
        "partial_pooling/negative_tau_scale": lambda: partial_pooling([1.0, 2], [1.0, 1], tau_scale=-1.0),
        "partial_pooling/bad_sampler": lambda: partial_pooling([1.0, 2], [1.0, 1], sampler="stan"),
        "hierarchical_did/missing_column": lambda: hierarchical_did(sim("unginvest").cells, **cells),
        "effect/nan_draws": lambda: Effect(outcome="neet", unit="probability", point=0.0,
                                           draws=[0.0, math.nan], draws_kind="posterior"),
        "effect/bad_kind": lambda: Effect(outcome="neet", unit="probability", point=0.0, draws=[0.0],
                                          draws_kind="guess"),
        "programme/negative_participants": lambda: Programme("x", **{**one, "participants": -1}, costs={}),
        "programme/bad_payer": lambda: Programme("x", **one, costs={"nav": 1.0}),
        "appraise/unvalued_outcome": lambda: appraise([Effect.point_mass(0.1, outcome="wellbeing")],
                                                      Programme("x", **one, costs={}), seed=1),
        "simulate/unknown": lambda: simulate("atlantis"),
        "simulate/scale0": lambda: simulate("flyt", scale=0),
    }  # fmt: skip
    return [(f"errors/{k}", lambda f=f: {"error": raised(f)}) for k, f in cases.items()]


def reraise(e: BaseException) -> Any:
    raise e


def raised(f: Callable[[], Any]) -> str:
    try:
        f()
    except Exception as e:
        return error(e)
    return "no exception raised"


# -- run -------------------------------------------------------------------------------------------
def run_case(fn: Callable[[], Any]) -> dict[str, Any]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out: dict[str, Any] = {"result": canon(fn())}
        except Exception as e:
            out = {"exception": error(e)}
    seen = [{"category": w.category.__name__, "message": canon(str(w.message))} for w in caught]
    out["warnings"] = [
        w for i, w in enumerate(seen) if w not in seen[:i]
    ]  # first of each, in order
    plt.close("all")
    return out


def fingerprint(path: str) -> None:
    import arviz
    import pymc
    import scipy

    start = time.perf_counter()
    versions = {m.__name__: m.__version__ for m in (np, pd, scipy, pymc, arviz)}
    result: dict[str, Any] = {"_environment": {"result": versions}}
    families = (
        att_gt_cases,
        did_cases,
        bayes_cases,
        cba_cases,
        report_cases,
        analysis_cases,
        error_cases,
    )
    for family in families:
        try:
            cases = family()
        except Exception as e:  # the family's imports failed: one case says why
            cases = [(family.__name__, lambda e=e: reraise(e))]
        for name, fn in cases:
            t = time.perf_counter()
            result[name] = run_case(fn)
            status = result[name].get("exception", "ok")
            print(f"{time.perf_counter() - t:6.1f} s  {name}: {status[:150]}", file=sys.stderr)
    text = json.dumps(result, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    Path(path).write_text(text + "\n", encoding="utf-8")
    n = sum(1 for _ in leaves(result))
    print(
        f"{len(result)} cases, {n} values, {time.perf_counter() - start:.0f} s -> {path}",
        file=sys.stderr,
    )


def leaves(x: Any) -> Iterator[Any]:
    if isinstance(x, dict | list):
        for v in x.values() if isinstance(x, dict) else x:
            yield from leaves(v)
    else:
        yield x


# -- compare ---------------------------------------------------------------------------------------
def same(a: Any, b: Any) -> bool:
    """Numbers within rel 1e-9 / abs 1e-12; everything else exactly."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) if numbers else a == b


def diff(a: Any, b: Any, path: str, out: list[str], limit: int) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        if a.get("__frame__") and b.get("__frame__"):
            return diff_frame(a, b, path, out, limit)
        gone, new = [k for k in a if k not in b], [k for k in b if k not in a]
        for k in list(new):  # a key renamed, same value: one line
            match = next((g for g in gone if same(a[g], b[k])), None)
            if match is not None:
                out.append(f"{path}: renamed key {match!r} -> {k!r} (same value)")
                gone.remove(match)
                new.remove(k)
        out += [f"{path}/{k}: key missing after" for k in gone] + [
            f"{path}/{k}: key added" for k in new
        ]
        for k in sorted(set(a) & set(b)):
            diff(a[k], b[k], f"{path}/{k}", out, limit)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} -> {len(b)}")
        before = len(out)
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out, limit)
        if limit and len(out) - before > limit:
            out[before + limit :] = [
                f"{path}: ... and {len(out) - before - limit} more in this list"
            ]
    elif not same(a, b):
        out.append(
            f"{path}: {json.dumps(a, ensure_ascii=False)} -> {json.dumps(b, ensure_ascii=False)}"
        )
    return None


def diff_frame(a: dict[str, Any], b: dict[str, Any], path: str, out: list[str], limit: int) -> None:
    """Column-wise; a new column equal to a former ``att/mean/value/point`` one is a rename."""
    da, db, ta, tb = a["data"], b["data"], a["dtypes"], b["dtypes"]
    gone, new = [c for c in a["columns"] if c not in db], [c for c in b["columns"] if c not in da]
    for c in list(new):
        match = next(
            (o for o in ["att", "mean", "value", "point", *gone] if o in da and same(da[o], db[c])),
            None,
        )
        if match is not None:
            if match in db:
                out.append(f"{path}: column {c!r} added as an alias of {match!r} (same values)")
            else:
                out.append(f"{path}: renamed column {match!r} -> {c!r} (same values)")
            new.remove(c)
            if match in gone:
                gone.remove(match)
            if ta[match] != tb[c]:
                out.append(f"{path}[{c!r}]: dtype {ta[match]} -> {tb[c]}")
    out += [f"{path}: column {c!r} missing after" for c in gone]
    out += [f"{path}: column {c!r} added" for c in new]
    common = [c for c in a["columns"] if c in db]
    if [c for c in b["columns"] if c in da] != common:
        out.append(f"{path}: column order {common} -> {[c for c in b['columns'] if c in da]}")
    if a["n_rows"] != b["n_rows"]:
        out.append(f"{path}: rows {a['n_rows']} -> {b['n_rows']}")
    diff(a["index"], b["index"], f"{path}.index", out, limit)
    for c in common:
        if ta[c] != tb[c]:
            out.append(f"{path}[{c!r}]: dtype {ta[c]} -> {tb[c]}")
        diff(da[c], db[c], f"{path}[{c!r}]", out, limit)


def compare(before: str, after: str, limit: int) -> None:
    a, b = (json.loads(Path(p).read_text(encoding="utf-8")) for p in (before, after))
    out = [f"case missing after: {k}" for k in sorted(a) if k not in b]
    out += [f"case added: {k}" for k in sorted(b) if k not in a]
    for k in sorted(set(a) & set(b)):
        diff(a[k], b[k], k, out, limit)
    print("\n".join(out) if out else "no differences", flush=True)
    print(f"-- {len(out)} difference line(s), {len(set(a) & set(b))} common cases", file=sys.stderr)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("paths", nargs="+", help="OUT.json, or BEFORE.json AFTER.json with --compare")
    p.add_argument(
        "--compare", action="store_true", help="print the differences of two fingerprints"
    )
    p.add_argument("--limit", type=int, default=20, help="differences shown per list (0: all)")
    args = p.parse_args()
    if args.compare and len(args.paths) != 2:
        p.error("--compare needs BEFORE.json and AFTER.json")
    if args.compare:
        compare(*args.paths, limit=args.limit)
    else:
        fingerprint(args.paths[0])


if __name__ == "__main__":
    main()
