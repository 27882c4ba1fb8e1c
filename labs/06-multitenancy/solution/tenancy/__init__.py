"""Orbital: a shared GPU platform for three teams (tenant provisioning, fair scheduling,
isolated serving and cost attribution)."""
