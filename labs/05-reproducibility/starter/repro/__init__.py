"""Credit-risk training pipeline and prediction service of Northwind Bank (lab 05)."""

__version__ = "1.4.0"
