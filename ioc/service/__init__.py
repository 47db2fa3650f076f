"""The IOC as a service: the configuration bundle (`config`), the engine that owns the state
and registers a handler per message kind (`engine`), what the IOC publishes under its own
numbers (`outbox`), remote commands (`commands`), the read views the API serves (`views`) and
the wiring of store, engine, MQTT bus and ingest thread (`wiring`).

Imports from `ioc`: contract, geo, registry, casework, rules, measures, storage, ingest. Never
`api` (the API depends on the service) nor `assessment`.
"""
