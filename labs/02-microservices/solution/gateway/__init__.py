"""Prediction gateway: features + model -> fraud score, reported to monitoring."""
