"""A lean copy of an InferenceData: what reports and a re-analysis need, at a fraction of the size.

A fit from :mod:`impact.bayes` stores every workflow group, and two of them grow with the
data: the posterior predictive draws and the pointwise log-likelihood hold one number per
posterior draw and cell (4 chains x 1,000 draws x 26,898 cells each for Flyt, almost all of
a 1 GB netCDF). :func:`lean_idata` keeps the posterior and sample stats untouched, replaces
the pointwise log-likelihood by its PSIS-LOO summary (group ``loo``) and keeps a seeded
subset of the predictive draws, stored in 32 bits.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from typing import Any, Literal

import arviz as az
import numpy as np
import xarray as xr

from impact.bayes.diagnostics import PARETO_K_MAX
from impact.checks import check_choice, check_count, check_seed
from impact.errors import DataError, OptionError

#: Predictive draws kept per chain by default (400 of 4 x 1,000 for four chains).
PREDICTIVE_DRAWS = 100
LOG_LIKELIHOOD: tuple[str, ...] = ("summary", "full", "none")
_PREDICTIVE_GROUPS: tuple[str, ...] = ("posterior_predictive", "prior_predictive")


def lean_idata(
    idata: az.InferenceData,
    *,
    log_likelihood: Literal["summary", "full", "none"] = "summary",
    predictive_draws: int | None = PREDICTIVE_DRAWS,
    seed: int | None = None,
    warmup: bool = False,
    timestamps: bool = False,
) -> az.InferenceData:
    """A copy of ``idata`` small enough for a results bundle, with the posterior untouched.

    Parameters
    ----------
    idata
        InferenceData of a fit from :mod:`impact.bayes` (any ArviZ InferenceData works).
    log_likelihood
        ``"summary"`` (default): replace the pointwise log-likelihood by its PSIS-LOO
        summary, the group ``loo`` (see Notes). ``"full"``: keep the group as it is.
        ``"none"``: drop it without a summary. The ``log_prior`` group goes with it: it
        serves power-scaling prior sensitivity, which needs both, and is kept only with
        ``"full"``.
    predictive_draws
        Posterior and prior predictive draws kept **per chain** (default 100: 400 draws of
        four chains), the same draw numbers in every chain, picked at random without
        replacement with ``seed`` and kept in their original order. Integer-valued draws
        (the cells' counts) are stored as int16 or int32, whichever holds them (lossless),
        other floats as float32. ``None`` keeps every draw in its original dtype.
    seed
        Seed of the choice of predictive draws: the same seed picks the same draws (and
        the written netCDF has the same bytes). ``None`` draws fresh entropy (not
        reproducible). Nothing else is random.
    warmup
        Keep the tuning draws (``warmup_*`` groups, which nutpie stores). ``False``
        (default) drops them: no diagnostic, report or effect uses them.
    timestamps
        Keep the attributes that say when and how long (``created_at`` of every group,
        ``sampling_time`` of the posterior). ``False`` (default) drops them, so the same
        fit and seed give the same bytes; the sampler's wall time stays in
        :class:`~impact.bayes.SamplerInfo`. Values are never changed.

    Returns
    -------
    InferenceData
        ``posterior``, ``sample_stats``, ``prior``, ``observed_data`` and ``constant_data``
        with the same values (the same arrays, not copies); the predictive groups thinned;
        ``log_likelihood`` (with ``log_prior``) or ``loo`` as asked.
        ``lean_idata(idata, log_likelihood="full", predictive_draws=None, warmup=True,
        timestamps=True)`` keeps everything as it was. The variables of every group but
        the posterior are put in one fixed order (the posterior's, then by name): PyMC
        returns the prior's in an order that changes from process to process. ArviZ reads
        it back with :func:`arviz.from_netcdf`; ``az.summary`` and ``az.rhat`` work on it
        as before.

    Notes
    -----
    The ``loo`` group has the variables ``elpd_loo`` (pointwise expected log predictive
    density, ``az.loo(idata, pointwise=True).loo_i``) and ``pareto_k``, on the observed
    variable's dimensions, in float64 (exactly ArviZ's numbers; float32 would save only
    0.1 MB for Flyt), and the attributes ``elpd_loo``,
    ``se``, ``p_loo``, ``n_samples``, ``n_data_points``, ``scale``, ``good_k``,
    ``warning`` (0/1), ``var_name``, ``k_threshold`` (0.7), ``n_high_k`` (cells with k
    above it) and ``max_pareto_k``. Pointwise values are kept because they cost one number
    per cell instead of one per draw and cell (0.3 MB for Flyt against 860 MB) and they
    are what a reader needs to find the influential cells and to compare models
    (differences of pointwise elpd and their standard error). An extra group rather than attributes,
    because netCDF attributes hold no labelled arrays; ArviZ reads an extra group without
    complaint. :func:`impact.bayes.loo_check` reads the group when the pointwise
    log-likelihood is gone. Prior sensitivity (:func:`impact.bayes.prior_sensitivity`)
    needs the pointwise log-likelihood: run it before leaning, or keep
    ``log_likelihood="full"``.

    Examples
    --------
    >>> import numpy as np, arviz as az
    >>> from impact.bayes import lean_idata
    >>> rng = np.random.default_rng(0)
    >>> full = az.from_dict(
    ...     posterior={"mu": rng.normal(size=(2, 50))},
    ...     posterior_predictive={"y": rng.normal(size=(2, 50, 8))},
    ...     log_likelihood={"y": rng.normal(-1, 0.1, size=(2, 50, 8))},
    ...     observed_data={"y": rng.normal(size=8)},
    ... )
    >>> lean = lean_idata(full, predictive_draws=10, seed=1)
    >>> lean.posterior_predictive["y"].shape, str(lean.posterior_predictive["y"].dtype)
    ((2, 10, 8), 'float32')
    >>> "log_likelihood" in lean.groups(), lean.loo.attrs["n_data_points"]
    (False, 8)
    """
    mode = check_choice(log_likelihood, argument="log_likelihood", choices=LOG_LIKELIHOOD)
    draws = check_count(predictive_draws, argument="predictive_draws", optional=True)
    used_seed = check_seed(seed, generator=False)
    for name, flag in (("warmup", warmup), ("timestamps", timestamps)):
        if not isinstance(flag, bool):
            raise OptionError(f"{name}={flag!r} must be True or False.")
    if "posterior" not in idata.groups():
        raise DataError("The InferenceData has no 'posterior' group; there is nothing to keep.")
    rng = np.random.default_rng(used_seed)  # type: ignore[arg-type]
    groups: dict[str, xr.Dataset] = {}
    for group in dict.fromkeys(idata.groups()):  # a group assigned twice is listed twice
        data = idata[group]
        if group.startswith("warmup_") and not warmup:
            continue
        if group in ("log_likelihood", "log_prior") and mode != "full":
            if group == "log_likelihood" and mode == "summary":
                groups["loo"] = loo_group(idata)
        elif group in _PREDICTIVE_GROUPS and draws is not None:
            groups[group] = thin_draws(data, draws, rng, seed=used_seed)  # type: ignore[arg-type]
        else:
            groups[group] = data
    rank = {name: i for i, name in enumerate(idata["posterior"].data_vars)}
    groups = {g: data if g == "posterior" else _canonical(data, rank) for g, data in groups.items()}
    attrs = dict(idata.attrs)
    if not timestamps:
        groups = {name: _without_times(data) for name, data in groups.items()}
        attrs = {k: v for k, v in attrs.items() if k not in _TIME_ATTRS}
    return az.InferenceData(attrs=attrs or None, **groups)  # type: ignore[arg-type]


_TIME_ATTRS = ("created_at", "sampling_time")


def _canonical(data: xr.Dataset, rank: Mapping[Hashable, int]) -> xr.Dataset:
    """The same Dataset with its variables in a fixed order: as in the posterior, then by name.

    PyMC's prior sampling returns its variables in the order of a Python set of names,
    which changes with the process's hash seed; netCDF writes variables and dimensions in
    the order it meets them, so without this the same fit and seed give different bytes.
    """
    names = sorted(data.data_vars, key=lambda n: (rank.get(n, len(rank)), str(n)))
    coords = sorted(data.coords, key=lambda n: (n not in ("chain", "draw"), str(n)))
    out = xr.Dataset(coords={name: data.coords[name] for name in coords}, attrs=data.attrs)
    for name in names:
        out[name] = data[name]
    return out


def _without_times(data: xr.Dataset) -> xr.Dataset:
    if not any(name in data.attrs for name in _TIME_ATTRS):
        return data
    copy = data.copy(deep=False)  # new attrs, the same arrays
    copy.attrs = {k: v for k, v in data.attrs.items() if k not in _TIME_ATTRS}
    return copy


def thin_draws(
    data: xr.Dataset, per_chain: int, rng: np.random.Generator, *, seed: int | None
) -> xr.Dataset:
    """``per_chain`` draws of every chain (the same draw numbers), in 16 or 32 bits.

    Integer-valued draws (counts) become int16 or int32 (lossless), other floats float32;
    the attributes record how many draws there were and the seed.
    """
    if "draw" not in data.dims:
        return data
    n = int(data.sizes["draw"])
    keep = np.sort(rng.choice(n, size=per_chain, replace=False)) if per_chain < n else None
    thinned = data if keep is None else data.isel(draw=keep)
    thinned = thinned.map(_narrow, keep_attrs=True)
    thinned.attrs = {
        **data.attrs,
        "thinned_from_draws": n,
        "thinned_seed": "none" if seed is None else int(seed),
    }
    return thinned


def _narrow(values: xr.DataArray) -> xr.DataArray:
    """Counts (integer-valued draws) as the smallest of int16/int32 that holds them
    (lossless), other floats as float32 (a relative change below 1e-7, which no predictive
    check can see); both compress better than 64 bits."""
    data = values.values
    if data.dtype.kind not in "fiu" or data.size == 0 or data.dtype.itemsize <= 2:
        return values
    if data.dtype.kind in "iu" or bool(np.all(np.isfinite(data) & (data == np.round(data)))):
        low, high = data.min(), data.max()
        for kind in (np.int16, np.int32):
            info = np.iinfo(kind)
            if info.min <= low and high <= info.max:
                return values.astype(kind) if data.dtype != kind else values
    if data.dtype.kind == "f" and data.dtype.itemsize > 4:
        return values.astype(np.float32)
    return values


def loo_group(idata: az.InferenceData) -> xr.Dataset:
    """PSIS-LOO of ``idata`` as a Dataset: pointwise elpd and Pareto k, totals as attributes."""
    names = list(idata["log_likelihood"].data_vars)
    if len(names) != 1:
        raise OptionError(
            f"log_likelihood='summary' needs one observed variable; the log_likelihood "
            f"group has {names}. Use log_likelihood='full' to keep it as it is."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ArviZ's k warning; n_high_k says it
        loo = az.loo(idata, pointwise=True, var_name=names[0])
    k = np.asarray(loo.pareto_k.values, dtype=float)
    attrs: dict[str, Any] = {
        "elpd_loo": float(loo.elpd_loo),
        "se": float(loo.se),
        "p_loo": float(loo.p_loo),
        "n_samples": int(loo.n_samples),
        "n_data_points": int(loo.n_data_points),
        "scale": str(loo.scale),
        "good_k": float(loo.good_k),
        "warning": int(bool(loo.warning)),
        "var_name": names[0],
        "k_threshold": PARETO_K_MAX,
        "n_high_k": int((k > PARETO_K_MAX).sum()),
        "max_pareto_k": float(k.max()),
    }
    return xr.Dataset(
        {
            "elpd_loo": loo.loo_i.astype(np.float64),
            "pareto_k": loo.pareto_k.astype(np.float64),
        },
        attrs=attrs,
    )
