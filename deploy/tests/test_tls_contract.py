"""deploy/tls-contract, run against stand-ins for the service binaries whose
`migrate` connects with psql (libpq, as the services' pq-sys does) using the
DATABASE_URL it is given. A stand-in that honours the URL passes; one that
weakens verify-full to require (no chain check) or to verify-ca (no host name
check) must make the contract fail: every check bites."""

import glob
import os
import shutil
import subprocess
import tempfile

import pytest
from affected_support import REPO

SCRIPT = REPO / "deploy" / "tls-contract"
PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))

pytestmark = pytest.mark.skipif(
    not PG_BINS or not shutil.which("openssl") or os.geteuid() != 0,
    reason="deploy/tls-contract needs PostgreSQL's binaries, openssl and root (CI has them)",
)

STAND_IN = r"""#!/bin/sh
# Stand-in for the {service} binary: `migrate` creates a table through libpq.
[ "$1" = migrate ] || exit 64
url="$DATABASE_URL"
case "{fault}" in
  # require with a root certificate still checks the chain (libpq): drop it too.
  require) url="$(printf '%s' "$url" | sed 's/sslmode=verify-full/sslmode=require/; s/&sslrootcert=[^&]*//')" ;;
  verify-ca) url="$(printf '%s' "$url" | sed 's/sslmode=verify-full/sslmode=verify-ca/')" ;;
esac
exec {psql} -X -q -v ON_ERROR_STOP=1 "$url" -c 'create table if not exists migrated (id int)'
"""


@pytest.fixture()
def bin_dir():
    path = tempfile.mkdtemp(prefix="tls-contract-test.")
    os.chmod(path, 0o755)  # the stand-in runs as the unprivileged user
    yield path
    shutil.rmtree(path, ignore_errors=True)


def stand_in(bin_dir, service, fault="none"):
    path = os.path.join(bin_dir, f"{service}-{fault}")
    with open(path, "w") as f:
        f.write(STAND_IN.format(service=service, fault=fault, psql=PG_BINS[-1]))
    os.chmod(path, 0o755)
    return path


def contract(binary, service):
    return subprocess.run([str(SCRIPT), binary, service], capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.parametrize("service", ["login", "product"])
def test_a_binary_that_verifies_the_server_passes(bin_dir, service):
    r = contract(stand_in(bin_dir, service), service)
    assert r.returncode == 0, r.stderr
    assert "unrelated CA: refused" in r.stderr and "does not carry: refused" in r.stderr
    assert f"PASS: {service}" in r.stderr


@pytest.mark.parametrize("fault, message", [
    ("require", "the certificate chain is not checked"),
    ("verify-ca", "the host name is not checked"),
])
def test_a_binary_that_does_not_verify_fails(bin_dir, fault, message):
    r = contract(stand_in(bin_dir, "login", fault), "login")
    assert r.returncode == 1, r.stderr
    assert message in r.stderr


def test_usage_errors_exit_2(bin_dir):
    assert subprocess.run([str(SCRIPT)], capture_output=True, check=False).returncode == 2
    assert subprocess.run([str(SCRIPT), stand_in(bin_dir, "login"), "site"], capture_output=True, check=False).returncode == 2
    assert subprocess.run([str(SCRIPT), "/nonexistent", "login"], capture_output=True, check=False).returncode == 2


def test_nothing_is_left_behind(bin_dir):
    before = set(glob.glob("/tmp/tls-contract.*"))
    contract(stand_in(bin_dir, "product"), "product")
    assert set(glob.glob("/tmp/tls-contract.*")) == before
