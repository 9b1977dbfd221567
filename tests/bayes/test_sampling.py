"""Sampler selection and the record of how a posterior was drawn (no sampling)."""

from __future__ import annotations

import pytest

from impact.bayes import SamplerInfo, nutpie_available
from impact.bayes.sampling import check_sampling_sizes, resolve_sampler
from impact.errors import DesignError, OptionError, SamplingError


def test_resolve_sampler():
    assert resolve_sampler("pymc") == "pymc"
    assert resolve_sampler("auto") == ("nutpie" if nutpie_available() else "pymc")
    with pytest.raises(DesignError, match="sampler='numpyro' is not one of"):
        resolve_sampler("numpyro")


def test_nutpie_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("impact.bayes.sampling.nutpie_available", lambda: False)
    assert resolve_sampler("auto") == "pymc"
    with pytest.raises(DesignError, match="nutpie is not installed"):
        resolve_sampler("nutpie")


@pytest.mark.parametrize(
    ("sizes", "match"),
    [
        ({"draws": 0, "tune": 10, "chains": 4}, "draws=0"),
        ({"draws": 10, "tune": -1, "chains": 4}, "tune=-1"),
        ({"draws": 10, "tune": 10, "chains": 2.5}, "chains=2.5"),
    ],
)
def test_bad_sizes(sizes, match):
    with pytest.raises(OptionError, match=match):
        check_sampling_sizes(**sizes)


def test_sampler_info_to_dict():
    info = SamplerInfo("nutpie", 1000, 500, 4, 7, 0.9, 12.3456, {"cores": 2})
    d = info.to_dict()
    assert d["sampler"] == "nutpie" and d["seed"] == 7 and d["seconds"] == 12.346
    assert d["options"] == {"cores": "2"}


def test_a_truncated_posterior_is_refused(monkeypatch):
    """An interrupted sampler may return fewer draws than asked; that raises, never passes."""
    import arviz as az
    import numpy as np
    import pymc as pm

    from impact.bayes.sampling import sample_model

    def truncated(*, draws, chains, **_):
        return az.from_dict(posterior={"mu": np.zeros((chains, draws * 6 // 10))})

    monkeypatch.setattr(pm, "sample", truncated)
    with pm.Model() as model:
        pm.Normal("mu")
    with pytest.raises(SamplingError, match=r"returned 2 chains x 60 draws; 2 x 100 were asked"):
        sample_model(model, draws=100, tune=10, chains=2, seed=1, prior_draws=0)
