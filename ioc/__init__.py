"""The IOC (城市运行中心): a package of rooms, one concern each, read in the order data flows.

    contract/    the wire contract (topics, payloads, delivery rules) and typed input files;
                 the only part of `ioc` that `sim`, `edge` and `devices` import
    geo          distances and offsets on the ground (pyproj's Geod)
    registry/    the device registry (设备台账) and the registry files it is provisioned from
    casework/    一网统管: catalogue (事项清单), flow config, working calendar, organisation,
                 the event-sourced case log, the flow (intake, stages, answers), alarm records
    rules/       alarm rules: where a reading (threshold) or an edge event becomes an alarm
    measures/    KPIs from the case log; city indicators and AQI from readings
    storage/     the embedded store (SQLite): its tables, writes and public reads
    ingest/      the MQTT bus, topic routing (the handler table), event-time sequencing,
                 dead letters
    service/     the configuration bundle, the engine (state and handlers), commands, the
                 read views for the API, the wiring of bus, store and ingest thread
    api/         the HTTP API (FastAPI), one router per resource
    assessment/  pilot commitments (format and metric evaluators), evidence from a run folder,
                 coverage geometry, tower placement, the validation report
    cli          `python -m ioc serve | validate | plan`

Allowed import directions (each room imports only the rooms listed; tests/test_boundaries.py
keeps this table and checks every import, function-level ones included):

    contract, geo  ->  nothing of ioc
    registry       ->  contract
    casework       ->  contract, geo, registry
    rules          ->  contract, casework
    measures       ->  contract, casework, registry
    storage        ->  contract, casework, registry
    ingest         ->  contract, storage
    service        ->  contract, geo, registry, casework, rules, measures, storage, ingest
    api            ->  contract, casework, measures, service
    assessment     ->  contract, geo, measures, storage (its public reads only: no SQL)
    cli            ->  contract, service, api, assessment

Nothing in `ioc` imports `sim`, `devices` or `edge`: it runs against real devices and people.
"""
