"""Each tenant's own model (stand-ins: a logistic score over the feature vector)."""

from __future__ import annotations

import math

from tenancy.config import Tenant


def predict(tenant: Tenant, features: list[float]) -> float:
    z = tenant.bias + sum(w * x for w, x in zip(tenant.weights, features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
