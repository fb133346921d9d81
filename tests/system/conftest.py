"""System tests against the production topology on one machine (deploy/local-cluster).

They expect the cluster to be up (`deploy/local-cluster up`, which deploy/ci-system does). If
it is not, the session brings it up itself and takes it down at the end, unless
CLUSTER_AUTO_UP=0. Tests that break something (stop replicas, stop PostgreSQL, break the
market API) put it back; before every test the `healthy_cluster` fixture checks, and repairs,
that everything runs.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _load_cluster():
    spec = importlib.util.spec_from_file_location("cluster", REPO / "deploy" / "lib" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["cluster"] = module
    spec.loader.exec_module(module)
    return module


cluster_lib = _load_cluster()


def _everything_runs(state) -> bool:
    if not cluster_lib.pg_running(state) or not cluster_lib.nginx_running(state):
        return False
    if not cluster_lib.valkey_running(state):
        return False
    if "mock" in state["procs"] and state["settings"]["market_source"] == "coingecko" and not cluster_lib.mock_running(state):
        return False
    return all(cluster_lib.replica_running(r) for r in state["replicas"].values())


@pytest.fixture(scope="session")
def cluster():
    """The cluster module with a running cluster."""
    state = cluster_lib.load_state()
    started_here = False
    if state is None or not _everything_runs(state):
        if os.environ.get("CLUSTER_AUTO_UP", "1") == "0":
            pytest.exit("the cluster is not running: deploy/local-cluster up", returncode=3)
        started_here = state is None or not any(
            cluster_lib.replica_running(r) for r in state["replicas"].values()
        )
        cluster_lib.up()
    yield cluster_lib
    if started_here and os.environ.get("CLUSTER_KEEP", "0") != "1":
        cluster_lib.down()


@pytest.fixture(scope="session")
def base_url(cluster) -> str:
    return cluster.cluster_url(cluster.require_state())


@pytest.fixture(autouse=True)
def healthy_cluster(request, cluster):
    """Before each test: PostgreSQL, the mock (in normal mode), every registered replica and
    nginx run; anything a previous test left stopped is started again."""
    state = cluster.require_state()
    if not cluster.pg_running(state):
        cluster.pg_start(state)
    if not cluster.valkey_running(state):
        cluster.valkey_start(state)
    if state["settings"]["market_source"] == "coingecko":
        cluster.mock_start(state)
        cluster.mock_mode(state, "ok")
    for name, rec in sorted(state["replicas"].items()):
        if rec.get("registered", True) and not cluster.replica_running(rec):
            cluster.start_replica(state, name)
    if not cluster.nginx_running(state):
        cluster.nginx_start(state)
    for name, rec in sorted(state["replicas"].items()):
        if rec.get("registered", True):
            cluster.wait_replica_ready(state, name, timeout=60)
    # nginx's passive checks keep a replica that failed out of rotation for fail_timeout after
    # it is back: wait until both services answer through the balancer.
    url = cluster.cluster_url(state)
    cluster.wait_for(
        "both services through nginx",
        lambda: cluster.http_get(f"{url}/healthz")[0] == 200 and cluster.http_get(f"{url}/account/healthz")[0] == 200,
        30,
    )
    yield


@pytest.fixture()
def state(cluster):
    return cluster.require_state()


def pytest_report_header(config):
    return f"cluster state: {cluster_lib.STATE_DIR}"
