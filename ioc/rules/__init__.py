"""Alarm rules (告警规则): the rules file (threshold rules on readings, event rules for edge
events) and the threshold engine that turns readings into raised and cleared alarms, with
durations, hysteresis and daily windows.

Imports from `ioc`: contract, casework (the catalogue the rules file under, the config words).
"""
