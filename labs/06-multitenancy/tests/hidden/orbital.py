"""The contract the README states (tenants, keys, limits), as the hidden checks use it."""

from __future__ import annotations

TENANTS = ("tenant-a", "tenant-b", "tenant-c")

KEYS = {
    "tenant-a": "orbital-vision-7d1c2f",
    "tenant-b": "orbital-speech-52e90a",
    "tenant-c": "orbital-ranking-a03f61",
}
FINANCE_KEY = "orbital-finance-0b5e77"
BILL = {"cpu": 2400.0, "memory_gb": 600.0, "gpu": 9000.0}

MODELS = {
    "tenant-a": "vision-defects-v4",
    "tenant-b": "speech-wakeword-v2",
    "tenant-c": "ranking-feed-v7",
}
QUOTAS = {
    "tenant-a": {"cpu": 8, "memory_gb": 32, "gpu": 2, "pods": 20},
    "tenant-b": {"cpu": 4, "memory_gb": 16, "gpu": 1, "pods": 20},
    "tenant-c": {"cpu": 6, "memory_gb": 24, "gpu": 0, "pods": 20},
}
PRIORITIES = {"tenant-a": 1000, "tenant-b": 2000, "tenant-c": 1500}


def auth(tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[tenant]}"}
