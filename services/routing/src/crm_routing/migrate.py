"""`python -m crm_routing.migrate`: upgrade the configured database to the latest revision."""

from pathlib import Path

from crm_common.migrations import upgrade
from crm_routing.config import get_settings

SERVICE_DIR = Path(__file__).resolve().parents[2]


def main() -> None:
    upgrade(SERVICE_DIR, get_settings().database_url)


if __name__ == "__main__":
    main()
