"""`make run`: migrate every service's database, then run the broker and every service with honcho.

Run it inside the project environment (`uv run python scripts/run.py`). It migrates each service whose
package exists (`python -m crm_<svc>.migrate`), keeps the development admin key in
`var/bootstrap_api_key` (unless CRM_BOOTSTRAP_API_KEY is set), prints where everything listens, and
then becomes `honcho start` on the Procfile, so Ctrl-C stops every process together.
"""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
KEY_FILE = VAR / "bootstrap_api_key"
PROCFILE = ROOT / "Procfile"
HOST = "127.0.0.1"


def procfile_entries() -> dict[str, str]:
    """Process name → command, in Procfile order."""
    entries: dict[str, str] = {}
    for line in PROCFILE.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.lstrip().startswith("#"):
            entries[name.strip()] = command.strip()
    return entries


def has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def port_of(command: str) -> int | None:
    match = re.search(r"--port[ =](\d+)", command)
    return int(match.group(1)) if match else None


def in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((HOST, port)) == 0


def migrate(service: str) -> None:
    module = f"crm_{service}.migrate"
    if not has_module(module):
        print(f"  {service}: no {module} yet, skipped")
        return
    print(f"  {service}: python -m {module}", flush=True)
    done = subprocess.run([sys.executable, "-m", module], cwd=ROOT, check=False)
    if done.returncode != 0:
        sys.exit(f"migrating {service} failed (exit {done.returncode}); nothing was started")


def bootstrap_key() -> tuple[str, str]:
    """The admin API key and where it came from; generated once and kept in var/ (mode 600)."""
    given = os.environ.get("CRM_BOOTSTRAP_API_KEY", "").strip()
    if given:
        return given, "from CRM_BOOTSTRAP_API_KEY"
    if KEY_FILE.exists():
        KEY_FILE.chmod(0o600)
        key = KEY_FILE.read_text().strip()
        if key:
            return key, f"kept in {KEY_FILE.relative_to(ROOT)}"
        KEY_FILE.unlink()
    key = "rk_" + secrets.token_urlsafe(30)  # the gateway's key format
    fd = os.open(KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key, f"generated, kept in {KEY_FILE.relative_to(ROOT)}"


def describe(name: str, port: int | None) -> str:
    if name == "broker":
        return f"{HOST}:{port}  Kafka protocol (Tansu, topics in memory only)"
    url = f"http://{HOST}:{port}"
    if name == "gateway":
        return f"{url}  the public API; docs at {url}/docs"
    return f"{url}  internal (reached through the gateway), docs at {url}/docs"


def main() -> None:
    os.chdir(ROOT)
    VAR.mkdir(exist_ok=True)
    entries = procfile_entries()
    # Start the broker and every service whose package exists (services appear one by one).
    names = [n for n in entries if n == "broker" or has_module(f"crm_{n}.main")]
    skipped = [n for n in entries if n not in names]
    ports = {n: port_of(entries[n]) for n in names}
    busy = [f"{n} ({p})" for n, p in ports.items() if p is not None and in_use(p)]
    if busy:
        sys.exit(f"ports already in use: {', '.join(busy)}. Is another `make run` still going?")

    print("Migrating databases (SQLite under var/ unless CRM_<SERVICE>_DATABASE_URL is set):")
    for name in names:
        if name != "broker":
            migrate(name)

    key, origin = bootstrap_key()
    os.environ["CRM_BOOTSTRAP_API_KEY"] = key
    os.environ.setdefault("CRM_KAFKA_BOOTSTRAP_SERVERS", f"{HOST}:{ports.get('broker') or 9092}")
    for name, port in ports.items():
        if name not in ("broker", "gateway") and port is not None:
            os.environ.setdefault(f"CRM_{name.upper()}_URL", f"http://{HOST}:{port}")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")

    width = max(len(n) for n in names)
    print("\nRapport is starting:")
    for name in sorted(names, key=lambda n: ports[n] or 0):
        print(f"  {name:<{width}}  {describe(name, ports[name])}")
    if skipped:
        print(f"  (not started, no package yet: {', '.join(skipped)})")
    print(f"\n  admin API key: {key}  ({origin})")
    print(
        f'  try: curl -H "Authorization: Bearer {key}" http://{HOST}:{ports.get("gateway", 8000)}'
        "/v1/contacts"
    )
    print("\nCtrl-C stops everything.\n", flush=True)

    honcho = [sys.executable, "-m", "honcho", "start", "-f", str(PROCFILE), "-d", str(ROOT)]
    os.execv(sys.executable, [*honcho, *names])


if __name__ == "__main__":
    main()
