"""Difference-in-differences: TWFE and event studies, staggered adoption, few-cluster inference."""

# --- group-time ATTs (Callaway & Sant'Anna) and aggregation: maintained with did/group_time.py ---

# --- TWFE, event study, decomposition, imputation, wild bootstrap, HonestDiD: did/twfe.py & co ---
from impact.did.twfe import event_study as event_study
from impact.did.twfe import twfe as twfe

__all__: list[str] = []
