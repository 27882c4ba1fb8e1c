"""Mini-Michelangelo: a platform SDK, a feature store and a serving gateway for the ETA model."""
