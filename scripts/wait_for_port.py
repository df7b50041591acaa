"""Wait until every HOST:PORT accepts TCP connections, then replace this process with the command.

    python scripts/wait_for_port.py 127.0.0.1:9092 -- uvicorn ...

Used by the Procfile so services start after the broker listens. A service tolerates a missing broker
anyway, so after CRM_WAIT_TIMEOUT seconds (default 30) the command starts regardless.
"""

from __future__ import annotations

import os
import socket
import sys
import time


def reachable(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=0.5):
            return True
    except (OSError, ValueError):
        return False


def wait(addresses: list[str], timeout: float) -> list[str]:
    """The addresses still unreachable after `timeout` seconds (empty when all answered)."""
    deadline = time.monotonic() + timeout
    pending = list(addresses)
    while pending:
        pending = [a for a in pending if not reachable(a)]
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    return pending


def main(argv: list[str]) -> None:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        sys.exit("usage: wait_for_port.py HOST:PORT [HOST:PORT ...] -- COMMAND [ARGS ...]")
    split = argv.index("--")
    addresses, command = argv[:split], argv[split + 1 :]
    timeout = float(os.environ.get("CRM_WAIT_TIMEOUT", "30"))
    missing = wait(addresses, timeout)
    if missing:
        print(f"still unreachable after {timeout:g}s: {', '.join(missing)}; starting anyway")
        sys.stdout.flush()
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
