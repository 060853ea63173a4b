"""A throwaway PostgreSQL server for the tests: a fresh cluster in a temp folder on a free loopback port.

initdb refuses to run as root, so as root the cluster belongs to the ``postgres`` system user and every
server command runs through ``runuser``. The cluster is deleted when the server stops.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL


@dataclass(frozen=True)
class SecureDatabase:
    """The demo on PostgreSQL plus a secret table, with nlq's least-privilege role set up by setup-role."""

    admin_url: str
    role_url: str
    exposed: tuple[str, ...]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed; run scripts/test.sh, which installs it.")
    return found


class PostgresServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="nlq-pg-"))
        self.data = self.root / "data"
        self._as_root = os.geteuid() == 0

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_root else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> PostgresServer:
        if self._as_root:
            shutil.chown(self.root, user="postgres", group="postgres")
        self._run(server_binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        self.resume()
        return self

    def url(self, database: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        return URL.create("postgresql", username=user, password=password, host="127.0.0.1", port=self.port,
                          database=database).render_as_string(hide_password=False)

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.exec_driver_sql("DROP DATABASE IF EXISTS " + quoted)
            connection.exec_driver_sql("CREATE DATABASE " + quoted)
        engine.dispose()
        return self.url(name)

    def pause(self, mode: str = "fast") -> None:
        """Stop the server but keep its data, as an outage does (``resume`` starts it again); ``immediate``
        stops it as a crash would, every backend dying with its query."""
        self._run(server_binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def resume(self) -> None:
        """Start (again) on the same port and data."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(server_binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.root / "server.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(server_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
