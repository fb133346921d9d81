"""infra/bootstrap-databases.sql and infra/scram-verifier, run against a
throwaway PostgreSQL with every statement logged: the roles get their
passwords as SCRAM verifiers computed on the client, the services can log in
with them, and no cleartext password reaches the server or its log."""

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import tempfile

import pytest
from cfn_support import INFRA, REPO
from pg_support import Cluster

SQL = (INFRA / "bootstrap-databases.sql").read_text()
SCRIPT = INFRA / "scram-verifier"
LOGIN_PW, PRODUCT_PW = "contract_login_Xq7", "contract_product_Zr9"


def load_verifier_module():
    loader = importlib.machinery.SourceFileLoader("scram_verifier", str(SCRIPT))
    spec = importlib.util.spec_from_loader("scram_verifier", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture()
def cluster():
    root = tempfile.mkdtemp(prefix="bootstrap-pg.")
    try:
        c = Cluster(root)
        yield c
        c.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def verifiers(**env):
    r = subprocess.run([str(SCRIPT)], capture_output=True, text=True,
                       env={"PATH": os.environ["PATH"], **env}, check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout


def login_works(cluster, role, password):
    r = subprocess.run([f"{cluster.bin}/psql", "-X", "-tA", "-c", "select current_user",
                        f"postgresql://{role}@127.0.0.1:{cluster.port}/{role}"],
                       capture_output=True, text=True, env={**os.environ, "PGPASSWORD": password, "PGSSLMODE": "disable"}, check=False)
    return r.returncode == 0 and r.stdout.strip() == role


def stored(cluster, role):
    r = cluster.psql("-tA", "-c", f"select rolpassword from pg_authid where rolname = '{role}'")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_verifier_matches_what_postgresql_computes(cluster):
    """The server hashes a cleartext password itself here (a test-only role),
    with the salt and iteration count it chose; the script, given the same
    salt, must produce the very same verifier."""
    import base64
    module = load_verifier_module()
    r = cluster.psql("-c", "CREATE ROLE probe LOGIN PASSWORD 'probe-Password-1'")
    assert r.returncode == 0, r.stderr
    theirs = stored(cluster, "probe")
    iterations, rest = theirs.removeprefix("SCRAM-SHA-256$").split(":", 1)
    salt = base64.b64decode(rest.split("$", 1)[0])
    assert module.verifier("probe-Password-1", salt=salt, iterations=int(iterations)) == theirs
    assert module.verifier("probe-Password-2", salt=salt, iterations=int(iterations)) != theirs


def test_bootstrap_with_verifiers_sends_no_cleartext(cluster):
    lines = verifiers(LOGIN_DB_PASSWORD=LOGIN_PW, PRODUCT_DB_PASSWORD=PRODUCT_PW)
    assert LOGIN_PW not in lines and PRODUCT_PW not in lines
    r = cluster.psql("-v", "ON_ERROR_STOP=1", "-q", input=lines + "\n" + SQL, cwd="/")
    assert r.returncode == 0, r.stderr
    sent = {line.split()[1]: line.split("'")[1] for line in lines.splitlines()}
    assert stored(cluster, "login") == sent["login_verifier"]
    assert stored(cluster, "product") == sent["product_verifier"]
    assert login_works(cluster, "login", LOGIN_PW) and login_works(cluster, "product", PRODUCT_PW)
    assert not login_works(cluster, "login", PRODUCT_PW)
    assert not login_works(cluster, "product", LOGIN_PW)
    log = cluster.read_log()
    assert "ALTER ROLE login" in log, "every statement is logged in this test"
    assert LOGIN_PW not in log and PRODUCT_PW not in log
    # Idempotent: a second run re-syncs the passwords.
    again = verifiers(LOGIN_DB_PASSWORD="rotated_login_1", PRODUCT_DB_PASSWORD=PRODUCT_PW)
    r = cluster.psql("-v", "ON_ERROR_STOP=1", "-q", input=again + "\n" + SQL, cwd="/")
    assert r.returncode == 0, r.stderr
    assert login_works(cluster, "login", "rotated_login_1") and not login_works(cluster, "login", LOGIN_PW)


def test_the_older_cleartext_call_is_hashed_on_the_client(cluster):
    """What .ci/run runs: psql -v login_password=... < infra/bootstrap-databases.sql
    (from the repository root)."""
    r = cluster.psql("-v", "ON_ERROR_STOP=1", "-q", "-v", f"login_password={LOGIN_PW}",
                     "-v", f"product_password={PRODUCT_PW}", input=SQL, cwd=str(REPO))
    assert r.returncode == 0, r.stderr
    assert stored(cluster, "login").startswith("SCRAM-SHA-256$4096:")
    assert login_works(cluster, "login", LOGIN_PW) and login_works(cluster, "product", PRODUCT_PW)
    log = cluster.read_log()
    assert "ALTER ROLE product" in log
    assert LOGIN_PW not in log and PRODUCT_PW not in log


@pytest.mark.parametrize("variables", [
    [],  # nothing given
    ["-v", "login_verifier=SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"],  # product missing
    ["-v", "login_verifier=plain-text-password", "-v", "product_verifier=another-one"],  # cleartext
])
def test_bootstrap_refuses_missing_or_cleartext_verifiers(cluster, variables):
    r = cluster.psql("-v", "ON_ERROR_STOP=1", "-q", *variables, input=SQL, cwd="/")
    assert r.returncode != 0
    assert "SELECT FROM pg_roles" not in cluster.read_log().split("verifier")[-1]
    exists = cluster.psql("-tA", "-c", "select count(*) from pg_roles where rolname in ('login', 'product')")
    assert exists.stdout.strip() == "0", "nothing was created"


def test_script_refuses_what_it_cannot_hash_like_the_server():
    env = {"PATH": os.environ["PATH"]}
    assert subprocess.run([str(SCRIPT)], capture_output=True, env=env, check=False).returncode == 2
    r = subprocess.run([str(SCRIPT)], capture_output=True, text=True,
                       env={**env, "LOGIN_DB_PASSWORD": "pässword", "PRODUCT_DB_PASSWORD": "x"}, check=False)
    assert r.returncode == 2 and "ASCII" in r.stderr
    assert subprocess.run([str(SCRIPT), "--one"], capture_output=True, env=env, check=False).returncode == 2
    r = subprocess.run([str(SCRIPT), "--one"], capture_output=True, text=True, env={**env, "SCRAM_PASSWORD": "abc"}, check=False)
    assert r.returncode == 0 and r.stdout.startswith("SCRAM-SHA-256$4096:")
    # Two runs, two salts.
    assert r.stdout != subprocess.run([str(SCRIPT), "--one"], capture_output=True, text=True,
                                      env={**env, "SCRAM_PASSWORD": "abc"}, check=False).stdout


def test_the_run_task_overrides_fit_ecs_limit():
    """docs/DEPLOY.md (1.4) passes the SQL and the verifier script as container
    overrides; ECS refuses overrides longer than 8192 characters."""
    import json
    overrides = {"containerOverrides": [
        {"name": "prepare", "environment": [{"name": "SCRAM_VERIFIER_PY", "value": SCRIPT.read_text()}]},
        {"name": "psql", "environment": [{"name": "BOOTSTRAP_SQL", "value": SQL}]},
    ]}
    assert len(json.dumps(overrides, separators=(",", ":"))) < 8192


def test_the_script_runs_as_python_c_like_the_bootstrap_task_runs_it():
    r = subprocess.run(["python3", "-c", SCRIPT.read_text()], check=False, capture_output=True, text=True,
                       env={"PATH": os.environ["PATH"], "LOGIN_DB_PASSWORD": "a1", "PRODUCT_DB_PASSWORD": "b2"})
    assert r.returncode == 0, r.stderr
    assert [line.split()[1] for line in r.stdout.splitlines()] == ["login_verifier", "product_verifier"]
