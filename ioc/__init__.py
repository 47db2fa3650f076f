"""The IOC (城市运行中心): ingest, registry, storage, rules, 一网统管 cases, KPIs, API.

Imports nothing from the simulator; `ioc.contract` is the wire contract others may use.
"""
