"""A run, orchestrated: the services it uses and the steps it goes through.

Owns `runner` (`run_scenario`: the steps in order), `options` (`RunOptions`, `RunError`),
`services` (the broker and the IOC, started or joined; the catalogue check), `broker` and
`embedded_broker` (an MQTT broker process), `ioc_client` (the IOC child process and its HTTP
API), `city` (gateways, cameras, the control channel and the people on the broker),
`control` (the simulator's side of the conversation with the IOC), `clock` (the tick loop),
`operator` (the scenario's commands through the IOC's API), `outputs` (results, summary,
files), `scoring` (the IOC against the ground truth) and `display` (progress bar, summary
table).

May import: `sim.scenario`, `sim.world`, `sim.people`, `devices`, `edge`, `ioc.contract`.
Never the tools.
"""
