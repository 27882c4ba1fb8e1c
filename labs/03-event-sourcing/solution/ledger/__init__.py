"""Ledger: an event-sourced account service (lab 03, event sourcing for ML).

The Kafka topic of account events is the source of truth.  Everything in the
SQLite projection (current balances, ML features, the local copy of the log) can
be thrown away and rebuilt by replaying that topic.
"""
