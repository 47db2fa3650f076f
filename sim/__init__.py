"""The simulator: SimPy world, scenarios, responders, runner and the citysim CLI."""
