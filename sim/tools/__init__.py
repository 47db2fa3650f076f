"""The tools around runs: record and replay of a run's MQTT traffic (`recording/`), the
benchmarks (`bench/`: the fleet alone, the video analytics on labelled clips) and the device
registry export (`registry_file`).

May import: `sim.scenario`, `sim.world`, `devices`, `edge`, `ioc.contract`. Never the run or
the people: a tool works on files, a broker or the world alone.
"""
