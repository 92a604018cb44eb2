"""How the web server and the worker are started, shared by `serve`, `worker` and `demo`."""

import os
import sys


def default_workers() -> int:
    # Sync workers block on the database, so a few more than cores keeps the CPUs busy.
    return 2 * (os.cpu_count() or 1) + 1


def gunicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
    """Gunicorn with sync workers serving truce.wsgi: the one set of server settings."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "truce.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "--keep-alive",
        "5",
        "--error-logfile",
        "-",
        # Access lines (if an operator turns them on) leave out team-pulse requests.
        "--logger-class",
        "truce.pulse.log_privacy.PulsePrivateLogger",
        "--no-control-socket",  # several servers (tests, benchmarks) may run side by side
    ]


def truce_argv(*args: str) -> list[str]:
    """Run a `truce` subcommand in a child process with this interpreter."""
    return [sys.executable, "-m", "truce.cli", *args]
