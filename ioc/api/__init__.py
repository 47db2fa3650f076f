"""The HTTP API (FastAPI): `app` assembles one APIRouter per resource (cases, devices, alarms,
measures, commands, evidence, admin); the running service reaches the endpoints as a
dependency (`deps`).

Imports from `ioc`: contract, casework, measures, service.
"""
