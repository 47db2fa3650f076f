"""Measures: the KPIs (统一考核) computed from the case log with explicit denominators, the
city indicators (AQI, congestion, lighting energy) computed from readings, and the AQI of
HJ 633-2012.

Imports from `ioc`: contract, casework (the case log), registry (the devices behind readings).
"""
