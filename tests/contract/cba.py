"""One instance of every public results class of impact.cba (see test_contract.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

INSTANCES: dict[type, Callable[[], Any]] = {}
