"""Embedded Python MQTT broker (amqtt) for machines without Mosquitto.

`python -m sim.run.embedded_broker --port P` listens on 127.0.0.1:P until terminated. amqtt speaks
MQTT 3.1.1 only and is several times slower than Mosquitto; it is the zero-install fallback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal


async def serve(port: int) -> None:
    from amqtt.broker import Broker

    config = {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }
    broker = Broker(config)
    await broker.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await broker.shutdown()


def main() -> None:
    """`python -m sim.run.embedded_broker --port P`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
