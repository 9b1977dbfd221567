"""Difference-in-differences: TWFE and event studies, staggered adoption, few-cluster inference."""

# --- group-time ATTs (Callaway & Sant'Anna) and aggregation: maintained with did/group_time.py ---
from impact.did.design import StaggeredPanel as StaggeredPanel
from impact.did.design import cohort_from_treatment as cohort_from_treatment
from impact.did.design import validate_staggered_panel as validate_staggered_panel
from impact.did.group_time import att_gt as att_gt
from impact.did.gt_results import AggregateResult as AggregateResult
from impact.did.gt_results import GroupTimeResult as GroupTimeResult
from impact.did.pretest import WaldPretest as WaldPretest

# --- TWFE, event study, decomposition, imputation, wild bootstrap, HonestDiD: did/twfe.py & co ---
# isort: split
from impact.did.decomposition import TWFEWeights as TWFEWeights
from impact.did.decomposition import twfe_weights as twfe_weights
from impact.did.honest import HonestResult as HonestResult
from impact.did.honest import honest_did as honest_did
from impact.did.imputation import ImputationResult as ImputationResult
from impact.did.imputation import imputation as imputation
from impact.did.randomization import RandomizationResult as RandomizationResult
from impact.did.randomization import randomization_test as randomization_test
from impact.did.twfe import event_study as event_study
from impact.did.twfe import twfe as twfe
from impact.did.wild_bootstrap import WildBootstrapResult as WildBootstrapResult
from impact.did.wild_bootstrap import wild_bootstrap_scores as wild_bootstrap_scores
from impact.did.wild_bootstrap import wild_cluster_bootstrap as wild_cluster_bootstrap

__all__: list[str] = []
