"""Rides: per-user activity features, served from a Lambda architecture (lab 01).

Every ride is an event on a Kafka topic.  A batch layer recomputes views from the
master dataset (immutable files of every event), a speed layer keeps up with the
topic, and the serving layer merges both.  A Kappa reprocessing job rebuilds a view
from the log alone and cuts readers over to it.
"""
