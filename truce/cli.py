"""The `truce` command. Every subcommand is a Django management command (`truce help`)."""

import os
import secrets
import sys
from pathlib import Path


def _demo_secret_key() -> None:
    """`truce demo` needs no configuration: it keeps a generated key in the data directory."""
    data_dir = Path(os.getenv("TRUCE_DATA_DIR", "./.truce")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    os.environ["TRUCE_SECRET_KEY"] = key_file.read_text().strip()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truce.settings")
    if len(sys.argv) > 1 and sys.argv[1] == "demo" and not os.getenv("TRUCE_SECRET_KEY"):
        _demo_secret_key()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["truce", *sys.argv[1:]])


if __name__ == "__main__":
    main()
