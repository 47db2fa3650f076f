"""Benchmarks (measured, not guessed): `fleet` (readings per second of the simulator alone,
vectorised fleets against one SimPy process per device) and `vision` (precision, recall,
latency and throughput of the edge video analytics on seeded, labelled clips: `clip`,
`street_clips`, `country_clips`)."""
