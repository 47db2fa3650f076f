"""Assessment, offline: pilot commitments (任务书承诺: the file format and the metric
evaluators), the evidence a finished run provides (`evidence`), coverage geometry and
measures (`geometry`, `coverage`), tower placement for a coverage target (`placement`), and
the validation report (`report` with its `charts` and `maps`).

Imports from `ioc`: contract, geo, measures, storage (the store's public reads through
`StoreReader`: never sqlite3, never SQL against the tables).
"""
