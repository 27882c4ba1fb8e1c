"""The lab contract: manifest models, discovery and lint."""
