#!/usr/bin/env python3
"""The production topology on one machine: PostgreSQL, a mock CoinGecko, login and product
replicas as separate release binaries, and nginx as the ALB in front, all on 127.0.0.1.

`deploy/local-cluster` is the command line; the system tests import this module to inject
faults (stop replicas, stop PostgreSQL, break the market API, roll a deployment).

Everything it starts is recorded by process id in the state folder (`.cluster/` in the
repository, or $CLUSTER_DIR), with logs under `.cluster/logs/`; `down` stops exactly those
processes. PostgreSQL is a private instance (its own data folder and port) so that stopping it
in a test never touches a PostgreSQL that something else on the machine uses.

Only the standard library.
"""

from __future__ import annotations

import base64
import contextlib
import glob
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO / "deploy" / "nginx"))
import generate as nginx_generate  # noqa: E402

STATE_DIR = Path(os.environ.get("CLUSTER_DIR") or REPO / ".cluster").resolve()
STATE_FILE = STATE_DIR / "state.json"
SECRETS_FILE = STATE_DIR / "secrets.json"
LOG_DIR = STATE_DIR / "logs"
HOST = "127.0.0.1"

SERVICES = {
    # service: (health prefix, offset of replica ports from the base port)
    "login": ("/account", 20),
    "product": ("", 40),
}
DATABASES = {"login": ("coinwatch_login", "login_svc"), "product": ("coinwatch_product", "product_svc")}
PG_ADMIN = "coinwatch_admin"


class ClusterError(RuntimeError):
    """Something the operator has to fix; the message says what."""


def log(msg: str) -> None:
    print(f"local-cluster: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Settings and state


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as err:
        raise ClusterError(f"{name}: expected a whole number, got {raw!r}") from err


def default_settings() -> dict:
    """Settings for a new cluster, from CLUSTER_* variables; kept in the state afterwards."""
    base = _env_int("CLUSTER_BASE_PORT", 18080)
    settings = {
        "base_port": base,
        "login_replicas": _env_int("CLUSTER_LOGIN_REPLICAS", 2),
        "product_replicas": _env_int("CLUSTER_PRODUCT_REPLICAS", 2),
        "market_source": os.environ.get("CLUSTER_MARKET_SOURCE", "coingecko"),
        "market_refresh_secs": _env_int("CLUSTER_MARKET_REFRESH_SECS", 5),
        "market_stale_secs": _env_int("CLUSTER_MARKET_STALE_SECS", 15),
        "shutdown_drain_secs": _env_int("CLUSTER_SHUTDOWN_DRAIN_SECS", 3),
        "shutdown_timeout_secs": _env_int("CLUSTER_SHUTDOWN_TIMEOUT_SECS", 10),
        "bin_dir": str(Path(os.environ.get("CLUSTER_BIN_DIR") or Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target") / "release").resolve()),
        "log_format": os.environ.get("CLUSTER_LOG_FORMAT", "json"),
    }
    if settings["login_replicas"] < 1 or settings["product_replicas"] < 1:
        raise ClusterError("CLUSTER_LOGIN_REPLICAS and CLUSTER_PRODUCT_REPLICAS must be at least 1")
    if settings["market_source"] not in ("coingecko", "demo"):
        raise ClusterError("CLUSTER_MARKET_SOURCE: expected coingecko (the local mock) or demo")
    if not 1024 < base < 65000:
        raise ClusterError("CLUSTER_BASE_PORT: expected a port from 1025 to 64999")
    return settings


def ports(settings: dict) -> dict:
    base = settings["base_port"]
    return {"nginx": base, "mock": base + 90, "postgres": base + 95, "valkey": base + 97}


def replica_port(settings: dict, service: str, n: int) -> int:
    if not 1 <= n <= 19:
        raise ClusterError(f"{service} replica number {n} out of range 1..19")
    return settings["base_port"] + SERVICES[service][1] + n


def load_state() -> dict | None:
    try:
        return json.loads(STATE_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def require_state() -> dict:
    state = load_state()
    if state is None:
        raise ClusterError(f"no cluster state in {STATE_DIR}; run deploy/local-cluster up first")
    return state


def save_state(state: dict) -> None:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = STATE_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, STATE_FILE)


def load_secrets() -> dict:
    if SECRETS_FILE.exists():
        return json.loads(SECRETS_FILE.read_text(encoding="utf-8"))
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    values = {
        "session_key": base64.b64encode(os.urandom(64)).decode(),
        "pg_admin_password": secrets.token_hex(16),
        "login_svc_password": secrets.token_hex(16),
        "product_svc_password": secrets.token_hex(16),
    }
    fd = os.open(SECRETS_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(values, f)
    return values


def new_state(settings: dict) -> dict:
    state = {"settings": settings, "replicas": {}, "procs": {}}
    for service in SERVICES:
        for n in range(1, settings[f"{service}_replicas"] + 1):
            add_replica_record(state, service, n)
    return state


def add_replica_record(state: dict, service: str, n: int | None = None) -> str:
    """Registers a replica (not started). With no number, the next free one."""
    taken = {r["n"] for r in state["replicas"].values() if r["service"] == service}
    if n is None:
        n = next(i for i in range(1, 20) if i not in taken)
    name = f"{service}-{n}"
    state["replicas"][name] = {
        "name": name,
        "service": service,
        "n": n,
        "port": replica_port(state["settings"], service, n),
        "pid": None,
        "registered": True,
    }
    return name


# ---------------------------------------------------------------------------------------------
# Processes


_CHILDREN: dict[int, subprocess.Popen] = {}


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) of a live process, or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    rest = raw[raw.rfind(")") + 2 :].split()
    return rest[0], int(rest[1])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return ""


def _reap(pid: int) -> int | None:
    """Collects a child of ours that has exited; returns its exit code if it was ours and done."""
    child = _CHILDREN.get(pid)
    if child is not None:
        code = child.poll()
        if code is not None:
            _CHILDREN.pop(pid, None)
        return code
    with contextlib.suppress(ChildProcessError, OSError):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return os.waitstatus_to_exitcode(status)
    return None


def is_running(pid: int | None, expect: str) -> bool:
    """Whether `pid` is alive and still the program we started (its command line has `expect`)."""
    if not pid:
        return False
    _reap(pid)
    stat = _proc_stat(pid)
    if stat is None or stat[0] == "Z":
        return False
    return expect in _cmdline(pid)


def spawn(args: list[str], *, env: dict, log_name: str, cwd: Path | None = None) -> subprocess.Popen:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    logf = open(LOG_DIR / f"{log_name}.log", "ab")  # noqa: SIM115 (the child keeps it)
    logf.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S')} starting {' '.join(args)}\n".encode())
    logf.flush()
    proc = subprocess.Popen(
        args,
        env=env,
        cwd=str(cwd or STATE_DIR),
        stdin=subprocess.DEVNULL,
        stdout=logf,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    logf.close()
    _CHILDREN[proc.pid] = proc
    return proc


def stop_pid(pid: int | None, expect: str, *, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
    """Signals a process we started and waits for it to go; SIGKILL after `timeout`.
    Returns the exit code when it was our child, else None."""
    if not is_running(pid, expect):
        return _reap(pid) if pid else None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = _reap(pid)
        if code is not None:
            return code
        if not is_running(pid, expect):
            return None
        time.sleep(0.1)
    log(f"pid {pid} ({expect}) did not stop within {timeout:.0f}s; killing it")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    return _reap(pid)


def log_tail(name: str, lines: int = 25) -> str:
    path = LOG_DIR / f"{name}.log"
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def require_free_port(port: int, what: str) -> None:
    if not port_is_free(port):
        raise ClusterError(
            f"port {port} on {HOST} (for {what}) is in use by something this cluster did not start; "
            "stop it, or pick other ports with CLUSTER_BASE_PORT"
        )


def http_get(url: str, timeout: float = 3.0, headers: dict | None = None) -> tuple[int, str]:
    """(status, body); status 0 when nothing answered."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:  # noqa: S310 (loopback only)
            return res.status, res.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def wait_for(what: str, check, timeout: float, interval: float = 0.2, on_fail=None):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            detail = on_fail() if on_fail else ""
            raise ClusterError(f"timed out after {timeout:.0f}s waiting for {what}" + (f"\n{detail}" if detail else ""))
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# PostgreSQL (a private instance)


def pg_bindir() -> Path:
    override = os.environ.get("CLUSTER_PG_BINDIR")
    candidates = [override] if override else []
    candidates.append("/usr/lib/postgresql/15/bin")
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("pg_ctl"):
        candidates.append(str(Path(shutil.which("pg_ctl")).parent))
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise ClusterError("PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql-15 (apt-get install -y postgresql-15)")


def pg_run_as() -> str | None:
    """PostgreSQL refuses to run as root: when we are root, run it as the `postgres` user."""
    if os.geteuid() != 0:
        return None
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError as err:
        raise ClusterError("running as root needs a `postgres` user to run PostgreSQL as (the postgresql package creates it)") from err
    return "postgres"


def _as_pg_user(args: list[str], run_as: str | None) -> list[str]:
    return ["runuser", "-u", run_as, "--", *args] if run_as else args


def pg_base_dir(run_as: str | None) -> Path:
    """Where the data folder lives: in the state folder when the PostgreSQL user can reach it,
    else under /var/tmp (a state folder inside a private home, for example)."""
    preferred = STATE_DIR / "pg"
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    if not run_as:
        return preferred
    probe = subprocess.run(["runuser", "-u", run_as, "--", "test", "-x", str(STATE_DIR)], check=False)
    if probe.returncode == 0:
        return preferred
    digest = hashlib.sha256(str(STATE_DIR).encode()).hexdigest()[:10]
    return Path(f"/var/tmp/coinwatch-cluster-{digest}/pg")


def pg_datadir(state: dict) -> Path:
    return Path(state["pg"]["base"]) / "data"


def pg_env(password: str) -> dict:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "3"}


def psql(state: dict, sql: str, *, db: str = "postgres", user: str = PG_ADMIN, password: str | None = None,
         check: bool = True) -> subprocess.CompletedProcess:
    secrets_ = load_secrets()
    pw = password if password is not None else secrets_["pg_admin_password"]
    args = [
        str(Path(state["pg"]["bindir"]) / "psql"),
        "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
        "-h", HOST, "-p", str(state["pg"]["port"]), "-U", user, "-d", db, "-c", sql,
    ]
    result = subprocess.run(args, env=pg_env(pw), capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise ClusterError(f"psql as {user} on {db} failed: {result.stderr.strip()}")
    return result


def pg_pid(state: dict) -> int | None:
    try:
        return int((pg_datadir(state) / "postmaster.pid").read_text().splitlines()[0])
    except (FileNotFoundError, PermissionError, ValueError, IndexError):
        return state["pg"].get("pid")


def pg_running(state: dict) -> bool:
    return is_running(state["pg"].get("pid"), "postgres")


def pg_init(state: dict) -> None:
    run_as = state["pg"]["run_as"]
    base = Path(state["pg"]["base"])
    data = pg_datadir(state)
    if (data / "PG_VERSION").exists():
        return
    base.mkdir(parents=True, exist_ok=True)
    if run_as:
        shutil.chown(base, user=run_as, group=run_as)
        if str(base).startswith("/var/tmp/"):
            shutil.chown(base.parent, user=run_as, group=run_as)
    os.chmod(base, 0o700)
    pwfile = base / "initdb.pw"
    pwfile.write_text(load_secrets()["pg_admin_password"] + "\n")
    os.chmod(pwfile, 0o600)
    if run_as:
        shutil.chown(pwfile, user=run_as, group=run_as)
    log(f"initialising a private PostgreSQL in {data}")
    try:
        result = subprocess.run(
            _as_pg_user(
                [
                    str(Path(state["pg"]["bindir"]) / "initdb"), "-D", str(data), "-U", PG_ADMIN,
                    f"--pwfile={pwfile}", "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale",
                ],
                run_as,
            ),
            capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL, cwd="/",
        )
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        raise ClusterError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")
    with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(
            "\n# local-cluster: loopback only, TCP only, and fast (a throwaway test instance)\n"
            f"listen_addresses = '{HOST}'\nport = {state['pg']['port']}\nunix_socket_directories = ''\n"
            "max_connections = 100\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "logging_collector = off\nlog_min_messages = warning\n"
        )


def pg_start(state: dict) -> None:
    if pg_running(state):
        return
    require_free_port(state["pg"]["port"], "PostgreSQL")
    run_as = state["pg"]["run_as"]
    data = pg_datadir(state)
    pg_log = Path(state["pg"]["base"]) / "postgres.log"
    # postgres itself, not pg_ctl, so that we hold its pid; its stderr goes to a log it may write.
    args = _as_pg_user([str(Path(state["pg"]["bindir"]) / "postgres"), "-D", str(data)], run_as)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    if not pg_log.exists():
        pg_log.touch()
        if run_as:
            shutil.chown(pg_log, user=run_as, group=run_as)
    logf = open(pg_log, "ab")  # noqa: SIM115
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                            start_new_session=True, cwd="/", env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    logf.close()
    _CHILDREN[proc.pid] = proc
    # With runuser the child is runuser; the postmaster's own pid is in postmaster.pid.
    state["pg"]["launcher_pid"] = proc.pid
    link = LOG_DIR / "postgres.log"
    if not link.exists() and not link.is_symlink():
        with contextlib.suppress(OSError):
            link.symlink_to(pg_log)

    def ready():
        if proc.poll() is not None:
            raise ClusterError(f"PostgreSQL exited at start:\n{pg_log.read_text(errors='replace')[-2000:]}")
        return psql(state, "SELECT 1", check=False).returncode == 0

    wait_for("PostgreSQL to accept connections", ready, 60)
    state["pg"]["pid"] = pg_pid(state)
    save_state(state)


def pg_stop(state: dict, timeout: float = 30.0) -> None:
    """Fast shutdown (SIGINT to the postmaster): open connections are cut, like an outage."""
    pid = pg_pid(state) or state["pg"].get("pid")
    if pid and is_running(pid, "postgres"):
        stop_pid(pid, "postgres", sig=signal.SIGINT, timeout=timeout)
    launcher = state["pg"].get("launcher_pid")
    if launcher:
        _reap(launcher)
    state["pg"]["pid"] = None
    save_state(state)


def pg_provision(state: dict) -> None:
    """One database and one role per service; each role can connect to its own database only."""
    sec = load_secrets()
    for service, (db, role) in DATABASES.items():
        password = sec[f"{role}_password"]
        psql(state, (
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'; "
            f"ELSE ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'; END IF; END $$;"
        ))
        exists = psql(state, f"SELECT 1 FROM pg_database WHERE datname = '{db}'").stdout.strip()
        if not exists:
            psql(state, f"CREATE DATABASE {db} OWNER {role} ENCODING 'UTF8' TEMPLATE template0")
        psql(state, f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
        psql(state, f"GRANT ALL ON DATABASE {db} TO {role}")
        log(f"database {db} for {service}, owned by role {role} (the only role that may connect)")
    psql(state, "REVOKE ALL ON DATABASE postgres FROM PUBLIC")


def database_url(state: dict, service: str) -> str:
    db, role = DATABASES[service]
    password = load_secrets()[f"{role}_password"]
    return f"postgres://{role}:{password}@{HOST}:{state['pg']['port']}/{db}"


# ---------------------------------------------------------------------------------------------
# The mock CoinGecko


def mock_url(state: dict) -> str:
    return f"http://{HOST}:{state['procs']['mock']['port']}"


def mock_running(state: dict) -> bool:
    return is_running(state["procs"].get("mock", {}).get("pid"), "mock_coingecko.py")


def mock_start(state: dict) -> None:
    rec = state["procs"].setdefault("mock", {"port": ports(state["settings"])["mock"], "pid": None})
    if mock_running(state):
        return
    require_free_port(rec["port"], "the mock CoinGecko")
    proc = spawn(
        [sys.executable, str(HERE / "mock_coingecko.py"), "--port", str(rec["port"])],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONUNBUFFERED": "1"},
        log_name="mock-coingecko",
    )
    rec["pid"] = proc.pid
    save_state(state)
    wait_for("the mock CoinGecko", lambda: http_get(f"{mock_url(state)}/__mock/state")[0] == 200, 20,
             on_fail=lambda: log_tail("mock-coingecko"))


def mock_mode(state: dict, mode: str) -> dict:
    req = urllib.request.Request(f"{mock_url(state)}/__mock/mode?mode={mode}", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=5) as res:  # noqa: S310
        return json.loads(res.read())


def mock_state(state: dict) -> dict:
    status, body = http_get(f"{mock_url(state)}/__mock/state")
    if status != 200:
        raise ClusterError("the mock CoinGecko does not answer")
    return json.loads(body)


# ---------------------------------------------------------------------------------------------
# The session store (ElastiCache for Valkey in production; Debian's redis-server here)


def valkey_rec(state: dict) -> dict:
    return state["procs"].setdefault("valkey", {"port": ports(state["settings"])["valkey"], "pid": None})


def valkey_url(state: dict) -> str:
    return f"redis://{HOST}:{valkey_rec(state)['port']}"


def valkey_running(state: dict) -> bool:
    return is_running(valkey_rec(state).get("pid"), "redis-server")


def valkey_ping(state: dict) -> bool:
    try:
        with socket.create_connection((HOST, valkey_rec(state)["port"]), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def valkey_start(state: dict) -> None:
    """A private store with nothing on disk: sessions are meant to be disposable here."""
    rec = valkey_rec(state)
    if valkey_running(state):
        return
    server = shutil.which("redis-server") or shutil.which("valkey-server")
    if server is None:
        raise ClusterError("redis-server is missing; install it: apt-get install -y redis-server")
    require_free_port(rec["port"], "the session store")
    proc = spawn(
        [server, "--bind", HOST, "--port", str(rec["port"]), "--save", "", "--appendonly", "no",
         "--protected-mode", "yes"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        log_name="valkey",
    )
    rec["pid"] = proc.pid
    save_state(state)
    wait_for("the session store", lambda: valkey_ping(state), 20, on_fail=lambda: log_tail("valkey"))


def valkey_stop(state: dict) -> None:
    rec = valkey_rec(state)
    stop_pid(rec.get("pid"), "redis-server", timeout=10)
    rec["pid"] = None
    save_state(state)


# ---------------------------------------------------------------------------------------------
# Service replicas


def binary(state: dict, name: str) -> Path:
    path = Path(state["settings"]["bin_dir"]) / name
    if not path.exists():
        raise ClusterError(
            f"{path} is missing; build the release binaries first: cargo build --release -p login -p product -p site"
        )
    return path


def service_env(state: dict, service: str, port: int) -> dict:
    s = state["settings"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "RUST_LOG": os.environ.get("CLUSTER_RUST_LOG", "info"),
        "RUST_BACKTRACE": "0",
        "BIND": f"{HOST}:{port}",
        "DATABASE_URL": database_url(state, service),
        "SESSION_KEY": load_secrets()["session_key"],
        "SESSION_STORE_URL": valkey_url(state),
        # Plain http on the loopback: a Secure __Host- cookie would be dropped by browsers.
        "COOKIE_SECURE": "false",
        "LOG_FORMAT": s["log_format"],
        # nginx is the only proxy and it is local.
        "TRUSTED_PROXIES": f"{HOST}/32",
        "SHUTDOWN_DRAIN_SECS": str(s["shutdown_drain_secs"]),
        "SHUTDOWN_TIMEOUT_SECS": str(s["shutdown_timeout_secs"]),
    }
    if service == "login":
        # argon2 frees 19 MiB blocks; glibc would keep them mapped after a login flood. Blocks of
        # 1 MiB and more come from mmap and go back to the system when freed (as in the Dockerfile
        # and the task definitions).
        env["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=1048576"
    if service == "product":
        # Canonical links and Open Graph URLs name the site as visitors reach it: through nginx.
        env["PUBLIC_URL"] = f"http://{HOST}:{ports(s)['nginx']}"
        env["MARKET_SOURCE"] = s["market_source"]
        env["MARKET_REFRESH_SECS"] = str(s["market_refresh_secs"])
        env["MARKET_STALE_SECS"] = str(s["market_stale_secs"])
        if s["market_source"] == "coingecko":
            env["COINGECKO_BASE_URL"] = f"{mock_url(state)}/api/v3"
            env["COINGECKO_API_PLAN"] = "demo"
            env["COINGECKO_API_KEY"] = "local-mock-key"
            # The mock counts nothing: a budget that never binds, so the refresher polls it
            # every few seconds as the tests need (the planner would lengthen the interval to
            # fit the real Demo plan's 10,000 calls a month).
            env["COINGECKO_MONTHLY_CALLS"] = "100000000"
            env["COINGECKO_CALLS_PER_MINUTE"] = "100000"
            # Coin logos come from the mock's /img/ on this machine: allowed here, over plain
            # http, and never in production (the default hosts are CoinGecko's CDN).
            env["MARKET_LOGO_HOSTS"] = HOST
            env["MARKET_LOGO_ALLOW_LOCAL"] = "true"
    # Extra variables for every replica of a service: CLUSTER_LOGIN_ENV / CLUSTER_PRODUCT_ENV as
    # "NAME=value;NAME=value".
    for pair in os.environ.get(f"CLUSTER_{service.upper()}_ENV", "").split(";"):
        if "=" in pair:
            k, v = pair.split("=", 1)
            env[k.strip()] = v
    return env


def readyz_url(rec: dict) -> str:
    return f"http://{HOST}:{rec['port']}{SERVICES[rec['service']][0]}/readyz"


def replica_running(rec: dict) -> bool:
    return is_running(rec.get("pid"), f"/{rec['service']}")


def start_replica(state: dict, name: str, *, wait: bool = True) -> dict:
    rec = state["replicas"][name]
    if replica_running(rec):
        return rec
    require_free_port(rec["port"], name)
    proc = spawn([str(binary(state, rec["service"]))], env=service_env(state, rec["service"], rec["port"]), log_name=name)
    rec["pid"] = proc.pid
    save_state(state)
    if wait:
        wait_replica_ready(state, name)
    return rec


def wait_replica_ready(state: dict, name: str, timeout: float = 90) -> None:
    rec = state["replicas"][name]

    def ready():
        if not replica_running(rec):
            raise ClusterError(f"{name} exited while starting:\n{log_tail(name)}")
        return http_get(readyz_url(rec))[0] == 200

    wait_for(f"{name} to be ready on port {rec['port']}", ready, timeout, on_fail=lambda: log_tail(name))


def stop_replica(state: dict, name: str, *, sig: int = signal.SIGTERM, timeout: float | None = None) -> int | None:
    """Stops a replica (SIGTERM: it drains and exits). Returns its exit code when known."""
    rec = state["replicas"][name]
    s = state["settings"]
    limit = timeout if timeout is not None else s["shutdown_drain_secs"] + s["shutdown_timeout_secs"] + 10
    code = stop_pid(rec.get("pid"), f"/{rec['service']}", sig=sig, timeout=limit)
    rec["pid"] = None
    save_state(state)
    return code


def run_migrations(state: dict) -> None:
    """The one-off migration task, before replicas start (replicas would also migrate, under a lock)."""
    for service in SERVICES:
        env = service_env(state, service, 0)
        result = subprocess.run([str(binary(state, service)), "migrate"], env=env, capture_output=True, text=True,
                                check=False, stdin=subprocess.DEVNULL, cwd=str(STATE_DIR), timeout=120)
        with open(LOG_DIR / f"{service}-migrate.log", "a", encoding="utf-8") as f:
            f.write(result.stdout + result.stderr)
        if result.returncode != 0:
            raise ClusterError(f"{service} migrate failed: {(result.stderr or result.stdout).strip()[-2000:]}")


# ---------------------------------------------------------------------------------------------
# nginx (the ALB stand-in)


def nginx_binary() -> str:
    for candidate in (os.environ.get("CLUSTER_NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    raise ClusterError("nginx not found; install it (apt-get install -y nginx)")


def routes_json(state: dict) -> str:
    override = os.environ.get("CLUSTER_ROUTES_JSON")
    if override:
        return Path(override).read_text(encoding="utf-8")
    result = subprocess.run([str(binary(state, "site")), "routes"], capture_output=True, text=True, check=False,
                            stdin=subprocess.DEVNULL, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    if result.returncode != 0:
        raise ClusterError(f"`site routes` failed: {result.stderr.strip()}")
    return result.stdout


def nginx_dir() -> Path:
    return STATE_DIR / "nginx"


def nginx_conf_path() -> Path:
    return nginx_dir() / "nginx.conf"


def write_nginx_conf(state: dict) -> Path:
    """Generates nginx.conf from the routing table and the registered replicas."""
    d = nginx_dir()
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (d / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    upstreams: dict[str, list[str]] = {}
    for rec in sorted(state["replicas"].values(), key=lambda r: (r["service"], r["n"])):
        if rec.get("registered", True):
            upstreams.setdefault(rec["service"], []).append(f"{HOST}:{rec['port']}")
    routes = nginx_generate.load_routes(routes_json(state))
    conf = nginx_generate.render(
        routes,
        upstreams,
        listen=f"{HOST}:{state['procs']['nginx']['port']}",
        state_dir=str(d),
        log_dir=str(LOG_DIR),
        run_as_user="root" if os.geteuid() == 0 else None,
        next_upstream=os.environ.get("CLUSTER_NGINX_NEXT_UPSTREAM", nginx_generate.NEXT_UPSTREAM),
    )
    path = nginx_conf_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(conf, encoding="utf-8")
    test = subprocess.run([nginx_binary(), "-t", "-q", "-p", str(d), "-c", str(tmp), "-e", str(LOG_DIR / "nginx-error.log")],
                          capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    if test.returncode != 0:
        raise ClusterError(f"the generated nginx config does not pass nginx -t ({tmp}):\n{test.stderr.strip()}")
    os.replace(tmp, path)
    return path


def nginx_running(state: dict) -> bool:
    return is_running(state["procs"].get("nginx", {}).get("pid"), "nginx")


def _children_of(pid: int) -> set[int]:
    kids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat and stat[1] == pid and stat[0] != "Z":
                kids.add(int(entry.name))
    return kids


def nginx_start(state: dict) -> None:
    rec = state["procs"].setdefault("nginx", {"port": ports(state["settings"])["nginx"], "pid": None})
    write_nginx_conf(state)
    if nginx_running(state):
        nginx_reload(state)
        return
    require_free_port(rec["port"], "nginx")
    proc = spawn([nginx_binary(), "-p", str(nginx_dir()), "-c", str(nginx_conf_path()), "-e", str(LOG_DIR / "nginx-error.log")],
                 env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, log_name="nginx")
    rec["pid"] = proc.pid
    save_state(state)

    def up():
        if proc.poll() is not None:
            raise ClusterError(f"nginx exited at start:\n{log_tail('nginx')}\n{log_tail('nginx-error')}")
        return http_get(f"{cluster_url(state)}/healthz")[0] != 0

    wait_for("nginx", up, 20)


def nginx_reload(state: dict) -> None:
    """Regenerates the config and reloads nginx gracefully (like changing target registrations);
    returns once new workers run the new config."""
    write_nginx_conf(state)
    pid = state["procs"]["nginx"]["pid"]
    if not nginx_running(state):
        raise ClusterError("nginx is not running")
    before = _children_of(pid)
    os.kill(pid, signal.SIGHUP)
    wait_for("nginx to reload", lambda: bool(_children_of(pid) - before), 15,
             on_fail=lambda: log_tail("nginx-error"))


def cluster_url(state: dict) -> str:
    return f"http://{HOST}:{state['procs']['nginx']['port']}"


# ---------------------------------------------------------------------------------------------
# The commands


def up(fresh: bool = False) -> dict:
    if fresh and STATE_DIR.exists():
        with contextlib.suppress(ClusterError):
            down(purge=True)
    state = load_state()
    if state is None:
        state = new_state(default_settings())
        p = ports(state["settings"])
        run_as = pg_run_as()
        state["pg"] = {"port": p["postgres"], "bindir": str(pg_bindir()), "run_as": run_as,
                       "base": str(pg_base_dir(run_as)), "pid": None}
        state["procs"] = {"nginx": {"port": p["nginx"], "pid": None}, "mock": {"port": p["mock"], "pid": None}}
        save_state(state)
    for name in ("login", "product", "site"):
        binary(state, name)
    nginx_binary()
    load_secrets()
    (STATE_DIR / ".gitignore").write_text("*\n")

    pg_init(state)
    pg_start(state)
    pg_provision(state)
    valkey_start(state)
    if state["settings"]["market_source"] == "coingecko":
        mock_start(state)
    run_migrations(state)
    names = sorted(state["replicas"])
    for name in names:
        start_replica(state, name, wait=False)
    for name in names:
        wait_replica_ready(state, name)
    nginx_start(state)
    url = cluster_url(state)
    wait_for("the site through nginx",
             lambda: http_get(f"{url}/healthz")[0] == 200 and http_get(f"{url}/account/healthz")[0] == 200, 30)
    log(f"up: open {url}/ (logs in {LOG_DIR})")
    return state


def down(purge: bool = False) -> None:
    state = load_state()
    if state is not None:
        if state["procs"].get("nginx", {}).get("pid"):
            stop_pid(state["procs"]["nginx"]["pid"], "nginx", sig=signal.SIGQUIT, timeout=15)
            state["procs"]["nginx"]["pid"] = None
        running = [n for n, r in state["replicas"].items() if replica_running(r)]
        for name in running:  # SIGTERM all at once, then wait for each
            with contextlib.suppress(ProcessLookupError):
                os.kill(state["replicas"][name]["pid"], signal.SIGTERM)
        for name in running:
            stop_replica(state, name)
        for rec in state["replicas"].values():
            rec["pid"] = None
        if state["procs"].get("mock", {}).get("pid"):
            stop_pid(state["procs"]["mock"]["pid"], "mock_coingecko.py", timeout=10)
            state["procs"]["mock"]["pid"] = None
        if state["procs"].get("valkey", {}).get("pid"):
            valkey_stop(state)
        if "pg" in state:
            pg_stop(state)
        save_state(state)
        log("down: everything this cluster started is stopped")
    if purge:
        base = Path(state["pg"]["base"]) if state and "pg" in state else None
        shutil.rmtree(STATE_DIR, ignore_errors=True)
        if base and str(base).startswith("/var/tmp/coinwatch-cluster-"):
            shutil.rmtree(base.parent, ignore_errors=True)
        log(f"removed {STATE_DIR}")


def status(as_json: bool = False) -> int:
    state = load_state()
    if state is None:
        print("not set up (no state); run deploy/local-cluster up")
        return 3
    rows = []
    pg_ok = pg_running(state)
    rows.append(("postgres", pg_pid(state) if pg_ok else None, state["pg"]["port"], pg_ok,
                 "accepting" if pg_ok and psql(state, "SELECT 1", check=False).returncode == 0 else "-"))
    if "valkey" in state["procs"]:
        ok = valkey_running(state)
        rows.append(("valkey", valkey_rec(state)["pid"] if ok else None, valkey_rec(state)["port"], ok,
                     "PONG" if ok and valkey_ping(state) else "-"))
    if "mock" in state["procs"] and state["settings"]["market_source"] == "coingecko":
        m = state["procs"]["mock"]
        ok = mock_running(state)
        rows.append(("mock-coingecko", m["pid"] if ok else None, m["port"], ok, mock_state(state)["mode"] if ok else "-"))
    for name in sorted(state["replicas"]):
        rec = state["replicas"][name]
        ok = replica_running(rec)
        code = http_get(readyz_url(rec))[0] if ok else 0
        reg = "" if rec.get("registered", True) else " (deregistered)"
        rows.append((name, rec["pid"] if ok else None, rec["port"], ok, (f"readyz {code}" if ok else "-") + reg))
    n = state["procs"].get("nginx", {})
    ok = nginx_running(state)
    rows.append(("nginx", n.get("pid") if ok else None, n.get("port"), ok, cluster_url(state) if ok else "-"))
    if as_json:
        print(json.dumps([dict(zip(("name", "pid", "port", "running", "detail"), r, strict=True)) for r in rows], indent=2))
    else:
        print(f"{'NAME':<16} {'PID':>8} {'PORT':>6}  {'STATE':<8} DETAIL")
        for name, pid, port, running, detail in rows:
            print(f"{name:<16} {pid or '-':>8} {port:>6}  {'running' if running else 'stopped':<8} {detail}")
        print(f"logs: {LOG_DIR}")
    return 0 if all(r[3] for r in rows) else 1


def env_for(service: str) -> None:
    """Prints the environment of a replica as shell assignments (to run one by hand)."""
    state = require_state()
    for k, v in service_env(state, service, 0).items():
        print(f"{k}={v!r}" if " " in v else f"{k}={v}")


USAGE = """usage: deploy/local-cluster COMMAND

  up [--fresh]        start PostgreSQL (private instance), the mock CoinGecko, login and product
                      replicas and nginx; --fresh wipes the state folder first
  down [--purge]      stop everything this cluster started (by pid); --purge deletes the state folder
  status [--json]     what runs, with readiness; exit 0 when everything runs
  stop NAME           stop one replica (SIGTERM: drain, then exit), e.g. login-1, product-2
  start NAME          start a stopped replica again
  pg-stop | pg-start  stop or start PostgreSQL (an outage)
  mock MODE           switch the mock CoinGecko: ok frozen error unavailable ratelimit error-object garbage hang
  env SERVICE         print a replica's environment (secrets included)
  url                 print the site's URL

settings, read at the first `up` (then kept in the state folder):
  CLUSTER_DIR (.cluster)  CLUSTER_BASE_PORT (18080: nginx; login 18101.., product 18121..,
  mock 18170, postgres 18175)  CLUSTER_LOGIN_REPLICAS (2)  CLUSTER_PRODUCT_REPLICAS (2)
  CLUSTER_MARKET_SOURCE (coingecko = the local mock | demo)  CLUSTER_MARKET_REFRESH_SECS (5)
  CLUSTER_MARKET_STALE_SECS (15)  CLUSTER_SHUTDOWN_DRAIN_SECS (3)  CLUSTER_SHUTDOWN_TIMEOUT_SECS (10)
  CLUSTER_BIN_DIR ($CARGO_TARGET_DIR/release or target/release)  CLUSTER_LOGIN_ENV / CLUSTER_PRODUCT_ENV ("NAME=value;...")
"""


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    try:
        if cmd == "up":
            up(fresh="--fresh" in rest)
            return status()
        if cmd == "down":
            down(purge="--purge" in rest)
            return 0
        if cmd == "status":
            return status(as_json="--json" in rest)
        if cmd in ("stop", "start") and len(rest) == 1:
            state = require_state()
            if rest[0] not in state["replicas"]:
                raise ClusterError(f"no replica {rest[0]!r}; replicas: {', '.join(sorted(state['replicas']))}")
            if cmd == "stop":
                code = stop_replica(state, rest[0])
                log(f"{rest[0]} stopped" + (f" (exit {code})" if code is not None else ""))
            else:
                start_replica(state, rest[0])
                log(f"{rest[0]} ready")
            return 0
        if cmd == "pg-stop":
            pg_stop(require_state())
            return 0
        if cmd == "pg-start":
            pg_start(require_state())
            return 0
        if cmd == "mock" and len(rest) == 1:
            print(json.dumps(mock_mode(require_state(), rest[0])))
            return 0
        if cmd == "env" and len(rest) == 1 and rest[0] in SERVICES:
            env_for(rest[0])
            return 0
        if cmd == "url":
            print(cluster_url(require_state()))
            return 0
    except ClusterError as err:
        log(f"error: {err}")
        return 1
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
