"""deploy/affected-services: a Cargo.lock change ships only the services whose
dependency closure (read from the lock itself) holds a changed package."""

import os
import subprocess
import textwrap

import pytest
from affected_support import REPO, SCRIPT

BOTH = {"login", "product"}


def lock(*packages, version=4):
    """A Cargo.lock text from (name, version, source or None, [deps]) tuples."""
    out = [f"version = {version}\n"]
    for name, ver, source, deps in packages:
        out.append(f'\n[[package]]\nname = "{name}"\nversion = "{ver}"\n')
        if source:
            out.append(f'source = "{source}"\nchecksum = "{name}-{ver}-sum"\n')
        if deps:
            out.append("dependencies = [\n" + "".join(f' "{d}",\n' for d in deps) + "]\n")
    return "".join(out)


CRATES = "registry+https://github.com/rust-lang/crates.io-index"


def workspace(argon2="0.5.3", serde="1.0.200", reqwest="0.12.9", extra_product=(), chassis_deps=("serde",)):
    return (
        ("chassis", "0.1.0", None, list(chassis_deps)),
        ("shared-ui", "0.1.0", None, ["serde"]),
        ("login", "0.1.0", None, ["argon2", "chassis", "shared-ui"]),
        ("product", "0.1.0", None, ["chassis", "reqwest", "shared-ui", *extra_product]),
        ("site", "0.1.0", None, ["login", "product"]),
        ("argon2", argon2, CRATES, ["base64ct"]),
        ("base64ct", "1.6.0", CRATES, []),
        ("serde", serde, CRATES, []),
        ("reqwest", reqwest, CRATES, ["serde"]),
        ("hashbrown", "0.14.5", CRATES, []),
        ("hashbrown", "0.15.2", CRATES, []),
        ("roxmltree", "0.20.0", CRATES, []),
    )


BASE = lock(*workspace())


@pytest.mark.parametrize(
    "head, expected",
    [
        (lock(*workspace(argon2="0.5.4")), {"login"}),  # only login hashes passwords
        (lock(*workspace(reqwest="0.12.10")), {"product"}),
        (lock(*workspace(serde="1.0.201")), BOTH),  # shared through chassis
        (lock(*workspace(extra_product=["roxmltree"])), {"product"}),  # a new edge
        (lock(*workspace(chassis_deps=("serde", "hashbrown 0.15.2"))), BOTH),  # the shared crate changed
        (BASE, set()),  # no entry changed (e.g. a reformatted file)
        (BASE.replace('"hashbrown"\nversion = "0.14.5"', '"hashbrown"\nversion = "0.14.6"'), set()),  # nobody uses it
        (lock(*workspace(), version=3), BOTH),  # format change: be safe
        ("this is [not toml", BOTH),
        (None, BOTH),  # the lock was deleted
    ],
)
def test_a_lock_change_affects_the_services_whose_closure_changed(affected, head, expected):
    services, reason = affected.lock_affected(BASE, head)
    assert services == expected, reason


def test_a_removed_dependency_counts_for_the_service_that_had_it(affected):
    head = lock(*[p if p[0] != "login" else ("login", "0.1.0", None, ["chassis", "shared-ui"])
                  for p in workspace() if p[0] not in ("argon2", "base64ct")])
    assert affected.lock_affected(BASE, head)[0] == {"login"}


def test_versioned_dependency_names_pick_the_right_entry(affected):
    _version, entries = affected._lock_entries(lock(*workspace(chassis_deps=("hashbrown 0.15.2",))))
    closure = affected.lock_closure("chassis", entries)
    assert ("hashbrown", "0.15.2", CRATES) in closure
    assert ("hashbrown", "0.14.5", CRATES) not in closure


def test_without_the_lock_texts_a_lock_change_ships_everything(affected):
    graph = {"login": affected.Package("login", "login"), "product": affected.Package("product", "product")}
    assert affected.affected_services(["Cargo.lock"], graph) == BOTH
    assert affected.affected_services(["Cargo.lock"], graph, lock=(BASE, lock(*workspace(argon2="0.5.4")))) == {"login"}


def test_the_real_lock_separates_the_services(affected):
    """On this repository's Cargo.lock: argon2 is login's alone, and the
    closures share the chassis."""
    text = (REPO / "Cargo.lock").read_text()
    _version, entries = affected._lock_entries(text)
    login = {k[0] for k in affected.lock_closure("login", entries)}
    product = {k[0] for k in affected.lock_closure("product", entries)}
    assert {"login", "chassis", "shared-ui", "argon2"} <= login
    assert {"product", "chassis", "shared-ui"} <= product
    assert "argon2" not in product and "login" not in product
    bumped = text.replace('name = "argon2"\nversion = "', 'name = "argon2"\nversion = "9', 1)
    assert bumped != text
    # The bumped entry is still named by login's dependency list (by name only).
    assert affected.lock_affected(text, bumped)[0] == {"login"}


# ------------------------------------------------------------ end to end

MANIFESTS = {
    "Cargo.toml": '[workspace]\nmembers = ["chassis", "shared-ui", "login", "product", "site"]\n',
    "chassis/Cargo.toml": '[package]\nname = "chassis"\nversion = "0.1.0"\n',
    "shared-ui/Cargo.toml": '[package]\nname = "shared-ui"\nversion = "0.1.0"\n',
    "login/Cargo.toml": textwrap.dedent("""\
        [package]
        name = "login"
        version = "0.1.0"
        [dependencies]
        chassis = { path = "../chassis" }
        shared-ui = { path = "../shared-ui" }
    """),
    "product/Cargo.toml": textwrap.dedent("""\
        [package]
        name = "product"
        version = "0.1.0"
        [dependencies]
        chassis = { path = "../chassis" }
        shared-ui = { path = "../shared-ui" }
    """),
    "site/Cargo.toml": '[package]\nname = "site"\nversion = "0.1.0"\n',
}


def _git(root, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e")
    return subprocess.run(["git", "-C", root, *args], check=True, capture_output=True, text=True, env=env).stdout.strip()


@pytest.fixture()
def repo(tmp_path):
    root = str(tmp_path / "repo")
    for rel, text in {**MANIFESTS, "Cargo.lock": BASE}.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "initial")
    return root


def _commit_lock(root, text):
    with open(os.path.join(root, "Cargo.lock"), "w") as f:
        f.write(text)
    _git(root, "commit", "-q", "-am", "lock")


def _run(root, *args):
    return subprocess.run([str(SCRIPT), "--repo", root, "--graph", "toml", *args], capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "head, expected",
    [
        (lock(*workspace(argon2="0.5.4")), ["login"]),
        (lock(*workspace(reqwest="0.12.10")), ["product"]),
        (lock(*workspace(serde="1.0.201")), ["login", "product"]),
        ("garbage", ["login", "product"]),
    ],
)
def test_command_reads_the_lock_at_base_and_head(repo, head, expected):
    _commit_lock(repo, head)
    r = _run(repo, "--explain")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == expected
    assert "Cargo.lock:" in r.stderr


def test_service_flag_skips_the_service_a_lock_change_does_not_touch(repo):
    _commit_lock(repo, lock(*workspace(argon2="0.5.4")))
    assert _run(repo, "--service", "login").returncode == 0
    assert _run(repo, "--service", "product").returncode == 1
