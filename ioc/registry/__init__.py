"""The device registry (设备台账): each device's kind, place, gateway and interval, when it was
last heard (online or not), and the registry files (CSV, GeoJSON) it can be provisioned from.

Imports from `ioc`: contract.
"""
