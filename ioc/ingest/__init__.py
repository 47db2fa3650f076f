"""Ingest: the IOC's MQTT connection (`bus`), topic routing through a table of typed handlers
(`routing`), event-time ordering behind the clock and the IOC's timers (`sequencer`), and the
dead letters every refused message is kept in (`deadletters`).

Imports from `ioc`: contract, storage (dead letters are stored).
"""
