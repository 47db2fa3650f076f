"""Storage: the embedded store (SQLite, WAL) under the IOC's data directory: its tables
(`schema`), buffered writes (`store`), the reads both the live store and a read-only view of
a finished run share (`reads`, `reader`). Only this room writes SQL; the InfluxDB and
PostgreSQL sinks belong here too.

Imports from `ioc`: contract, casework (case events), registry (devices).
"""
