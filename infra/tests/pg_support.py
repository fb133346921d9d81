"""A throwaway PostgreSQL cluster for tests: its own data directory under a
temporary folder, listening on a free 127.0.0.1 port and a private socket
folder, owned by the `postgres` user when the tests run as root (initdb
refuses root)."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import time

import pytest


def pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, root, settings: dict[str, str] | None = None, hba: str | None = None):
        self.bin = pg_bin()
        if self.bin is None:
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL's initdb is not installed")
            pytest.skip("PostgreSQL's initdb is not installed")
        self.root = str(root)
        self.data = os.path.join(self.root, "data")
        self.socket_dir = os.path.join(self.root, "sock")
        self.log = os.path.join(self.root, "postgres.log")
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = pwd.getpwnam("postgres")
        os.makedirs(self.socket_dir)
        if self.user:
            for path in (self.root, self.socket_dir):
                os.chown(path, self.user.pw_uid, self.user.pw_gid)
        os.chmod(self.root, 0o755)
        self.run([f"{self.bin}/initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-instructions"], check=True)
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "password_encryption": "'scram-sha-256'",
            "log_statement": "'all'",
            "log_min_error_statement": "'error'",
            **(settings or {}),
        }
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.writelines(f"{k} = {v}\n" for k, v in conf.items())
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
            f.write(hba or "local all postgres trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        self.run([f"{self.bin}/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "start"], check=True)

    def _as_owner(self):
        if self.user is None:
            return None
        uid, gid = self.user.pw_uid, self.user.pw_gid

        def demote():
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        return demote

    def run(self, argv, **kwargs):
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        env = dict(kwargs.pop("env", os.environ))
        if self.user:
            env["HOME"] = self.root
        check = kwargs.pop("check", False)
        return subprocess.run(argv, check=check, preexec_fn=self._as_owner(), env=env, **kwargs)

    def psql(self, *args, input=None, cwd=None, env=None):
        """psql as the superuser over the private socket."""
        return self.run([f"{self.bin}/psql", "-X", "-h", self.socket_dir, "-p", str(self.port), "-U", "postgres",
                         "-d", "postgres", *args], input=input, cwd=cwd, env=env or os.environ)

    def read_log(self) -> str:
        with open(self.log, errors="replace") as f:
            return f.read()

    def stop(self):
        self.run([f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"])
        # a stopped cluster's files; a short wait lets the postmaster exit
        time.sleep(0.1)
