"""The training data: applicants with their outcome, and late-confirmed corrections."""

from __future__ import annotations

import pandas as pd

from repro import config

APPLICANTS = "applicants.csv"
CORRECTIONS = "corrections.csv"
"""Outcomes confirmed by collections after the applicants file was exported."""


def load_training_frame() -> pd.DataFrame:
    """Applicants with corrected labels, in file order."""
    applicants = pd.read_csv(config.DATA_DIR / APPLICANTS)
    corrections = pd.read_csv(config.DATA_DIR / CORRECTIONS)
    fixed = dict(zip(corrections["applicant_id"], corrections[config.LABEL], strict=True))
    labels = applicants["applicant_id"].map(fixed).fillna(applicants[config.LABEL])
    applicants[config.LABEL] = labels.astype(int)
    return applicants
