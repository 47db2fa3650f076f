"""Edge layer: gateways and the device-side MQTT link."""
