"""Each service has its own database and role, and a role can reach its own database only."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("role", "own", "other"), [
    ("login_svc", "coinwatch_login", "coinwatch_product"),
    ("product_svc", "coinwatch_product", "coinwatch_login"),
])
def test_a_service_role_reaches_only_its_own_database(cluster, state, role, own, other):
    password = cluster.load_secrets()[f"{role}_password"]
    ok = cluster.psql(state, "SELECT current_user", db=own, user=role, password=password)
    assert ok.stdout.strip() == role
    for db in (other, "postgres"):
        denied = cluster.psql(state, "SELECT 1", db=db, user=role, password=password, check=False)
        assert denied.returncode != 0 and "permission denied" in denied.stderr, (db, denied.stderr)
    superuser = cluster.psql(state, f"SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = '{role}'")
    assert superuser.stdout.strip() == "f"
