"""`python -m devices`: rewrite the parameters table of devices/README.md from the models."""

from devices.params import README, write_readme

print(f"updated {README}" if write_readme() else f"{README} is up to date")
