"""Settings, read from the environment once at start-up.

The grader sets every one of these (see the README's contract table); the defaults
here are the same values, for running the gateway by hand.
"""

from __future__ import annotations

import os


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


FEATURES_URL = os.environ.get("FEATURES_URL", "http://127.0.0.1:8101")
MODEL_URL = os.environ.get("MODEL_URL", "http://127.0.0.1:8102")
MONITORING_URL = os.environ.get("MONITORING_URL", "http://127.0.0.1:8103")

DEADLINE_S = _float("DEADLINE_S", 1.0)  # a whole prediction answers within this
FEATURES_TIMEOUT_S = _float("FEATURES_TIMEOUT_S", 0.3)  # one call to the feature service
MODEL_TIMEOUT_S = _float("MODEL_TIMEOUT_S", 0.3)  # one call to the model service
MONITORING_TIMEOUT_S = _float("MONITORING_TIMEOUT_S", 1.0)  # one call to monitoring
MAX_RETRIES = int(_float("MAX_RETRIES", 1))  # retries per idempotent downstream call
BACKOFF_BASE_S = _float("BACKOFF_BASE_S", 0.05)
BACKOFF_CAP_S = _float("BACKOFF_CAP_S", 1.0)
BREAKER_FAILURES = int(_float("BREAKER_FAILURES", 5))  # k consecutive failed calls open it
BREAKER_RESET_S = _float("BREAKER_RESET_S", 2.0)  # open this long, then one probe
FALLBACK_SCORE = _float("FALLBACK_SCORE", 0.05)  # the degraded default prediction
