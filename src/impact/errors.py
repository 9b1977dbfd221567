"""One exception hierarchy for the whole package.

Messages name the column, the offending value and the fix. User errors (bad data,
impossible designs) derive from :class:`ImpactError`; the CLI prints them without a
traceback. Warnings derive from :class:`ImpactWarning` so users can filter them in one go.
"""

from __future__ import annotations


class ImpactError(Exception):
    """Base class of every error `impact` raises on purpose."""


class DataError(ImpactError, ValueError):
    """The data violate the schema: a missing column, a wrong type, an impossible value."""


class DesignError(ImpactError, ValueError):
    """The data are valid but the requested design cannot be estimated from them.

    Examples: no never-treated units with ``control_group="never_treated"``, a cohort
    after the last period, too few clusters for the requested inference.
    """


class ParameterError(ImpactError, ValueError):
    """A cost-benefit parameter or programme definition is invalid."""


class OptionError(ImpactError, ValueError, TypeError):
    """An argument of a function is of the wrong type or out of range (``alpha=2``,
    ``seed="abc"``, ``outcome=["y"]``). It is raised before any work starts; it is both a
    ``ValueError`` and a ``TypeError`` so code that caught either keeps working."""


class BundleError(DataError):
    """A results bundle cannot be written or read: it is missing, incomplete, corrupted or of
    an older schema, or the disk refused to store it (no permission, no space).

    The message names the path and the fix (usually ``impact run <programme>``). It is a
    :class:`DataError`, which a missing bundle raised before there was this class.
    """


class DisclosureError(ImpactError):
    """A rendered report would let a reader recover a count below the disclosure threshold
    (:mod:`impact.report.attack`); it is not published."""


class SamplingError(ImpactError, RuntimeError):
    """The sampler returned fewer chains or draws than asked (interrupted with Ctrl-C, or it
    stopped early); the truncated posterior is refused rather than used."""


class ImpactWarning(UserWarning):
    """Base class of warnings an evaluator must know about but can live with."""


class FewClustersWarning(ImpactWarning):
    """Analytic cluster-robust inference is unreliable with this few (treated) clusters."""


class DiagnosticsWarning(ImpactWarning):
    """MCMC diagnostics (R-hat, ESS, divergences, E-BFMI) miss their targets."""


class FewParticipantsWarning(ImpactWarning):
    """Site-level inputs rest on too few participants (or have implausibly small standard
    errors) to be estimated or pooled as they stand."""


class OverlapWarning(ImpactWarning):
    """Propensity scores close to 0 or 1: weak overlap between treated and controls."""


class PersistenceWarning(ImpactWarning):
    """The sign of an NPV (or P(NPV > 0) against 0.5) depends on how long an effect lasts."""


class DataChangeWarning(ImpactWarning):
    """Validation changed the data as asked (missing enrolment read as never enrolled, movers
    assigned to one municipality or dropped); the message counts what changed."""


__all__ = [
    "BundleError",
    "DataChangeWarning",
    "DataError",
    "DesignError",
    "DiagnosticsWarning",
    "FewClustersWarning",
    "FewParticipantsWarning",
    "ImpactError",
    "ImpactWarning",
    "OptionError",
    "OverlapWarning",
    "ParameterError",
    "PersistenceWarning",
    "SamplingError",
]
