"""deploy/affected-services: which services a change ships.

The pure rules are tested on the project's crate graph written out by hand;
the command is tested end to end in a throwaway git repository holding a
tiny cargo workspace of the same shape (path dependencies only, so
`cargo metadata --no-deps` works offline).
"""

import os
import shutil
import subprocess
import textwrap

import pytest
from affected_support import REPO, SCRIPT


@pytest.fixture(scope="module")
def graph(affected):
    P = affected.Package
    return {
        "shared-ui": P("shared-ui", "shared-ui", frozenset()),
        "chassis": P("chassis", "chassis", frozenset()),
        "login": P("login", "login", frozenset({"chassis", "shared-ui"})),
        "product": P("product", "product", frozenset({"chassis", "shared-ui"})),
        "site": P("site", "site", frozenset({"login", "product"})),
    }


BOTH = {"login", "product"}


@pytest.mark.parametrize(
    "path, expected",
    [
        ("login/src/routes/login.rs", {"login"}),
        ("login/templates/login.html", {"login"}),
        ("login/Cargo.toml", {"login"}),
        ("product/src/market/coingecko.rs", {"product"}),
        ("migrations/login/postgres/2024-01-01-000000_users/up.sql", {"login"}),
        ("migrations/product/sqlite/2024-01-01-000000_coins/up.sql", {"product"}),
        ("shared-ui/templates/base.html", BOTH),
        ("chassis/src/config.rs", BOTH),
        ("static/app.css", BOTH),
        ("Cargo.toml", BOTH),
        ("Cargo.lock", BOTH),
        ("Dockerfile", BOTH),
        (".dockerignore", BOTH),
        ("buildspec.yml", BOTH),
        (".cargo/config.toml", BOTH),
        ("site/src/main.rs", set()),
        ("README.md", set()),
        ("docs/DEPLOY.md", set()),
        ("infra/core.yaml", set()),
        (".ci/run", set()),
        ("deploy/affected-services", set()),
        ("deploy/nginx.conf", set()),
        # A look-alike prefix is not the crate.
        ("login-notes.txt", set()),
        ("migrations/loginx/up.sql", set()),
        ("migrations/README.md", set()),
    ],
)
def test_one_path_affects_the_services_that_build_it(affected, graph, path, expected):
    assert affected.affected_services([path], graph) == expected


def test_changes_add_up(affected, graph):
    assert affected.affected_services(["login/src/lib.rs", "product/src/lib.rs"], graph) == BOTH
    assert affected.affected_services(["docs/x.md", "site/src/main.rs"], graph) == set()
    assert affected.affected_services([], graph) == set()


def test_a_new_dependency_is_followed_transitively(affected, graph):
    # product starts using a new crate that itself uses `money`: a change to
    # `money` ships product, and login only once login depends on it too.
    P = affected.Package
    g = dict(graph)
    g["money"] = P("money", "money", frozenset())
    g["pricing"] = P("pricing", "crates/pricing", frozenset({"money"}))
    g["product"] = P("product", "product", graph["product"].deps | {"pricing"})
    assert affected.affected_services(["money/src/lib.rs"], g) == {"product"}
    assert affected.affected_services(["crates/pricing/src/lib.rs"], g) == {"product"}


def test_nested_crate_belongs_to_the_deepest_folder(affected, graph):
    P = affected.Package
    g = dict(graph)
    g["login-macros"] = P("login-macros", "login/macros", frozenset())
    # Nobody depends on login-macros: its change ships nothing.
    assert affected.affected_services(["login/macros/src/lib.rs"], g) == set()
    assert affected.affected_services(["login/src/lib.rs"], g) == {"login"}


def test_path_filters_cover_exactly_what_affects_the_service(affected, graph):
    login = affected.path_filters("login", graph)
    assert set(login) == {
        "chassis/**", "login/**", "migrations/login/**", "shared-ui/**", "static/**",
        ".cargo/**",
        "Cargo.toml", "Cargo.lock", "Dockerfile", ".dockerignore", "buildspec.yml",
        "rust-toolchain.toml", "rust-toolchain",
    }
    product = affected.path_filters("product", graph)
    assert "product/**" in product and "migrations/product/**" in product
    assert not any(p.startswith(("login", "migrations/login", "site")) for p in product)


def test_path_filters_agree_with_classification(affected, graph):
    """Every sample path is matched by a service's filters iff it affects it."""
    import fnmatch

    samples = [
        "login/src/a.rs", "product/src/a.rs", "chassis/src/a.rs", "shared-ui/x",
        "static/a.css", "migrations/login/p/up.sql", "migrations/product/p/up.sql",
        "site/src/main.rs", "docs/a.md", "infra/core.yaml", "Cargo.toml", "Cargo.lock",
        "Dockerfile", "buildspec.yml", "README.md", ".cargo/config.toml",
    ]
    for service in affected.SERVICES:
        filters = affected.path_filters(service, graph)
        for path in samples:
            matched = any(
                path == f or (f.endswith("/**") and path.startswith(f[:-2])) for f in filters
            )
            assert matched == (service in affected.affected_services([path], graph)), (service, path)
            # fnmatch is a looser glob; it must agree on these simple shapes too.
            assert matched == any(fnmatch.fnmatch(path, f) for f in filters), (service, path)


def test_metadata_parsing(affected):
    metadata = {
        "workspace_root": "/w",
        "packages": [
            {"name": "chassis", "manifest_path": "/w/chassis/Cargo.toml", "dependencies": [
                {"name": "serde", "kind": None},
            ]},
            {"name": "login", "manifest_path": "/w/login/Cargo.toml", "dependencies": [
                {"name": "chassis", "path": "/w/chassis", "kind": None},
                {"name": "wiremock", "kind": "dev"},
            ]},
        ],
    }
    g = affected.graph_from_metadata(metadata)
    assert g["login"].dir == "login" and g["login"].deps == {"chassis"}
    assert g["chassis"].deps == frozenset()


# --------------------------------------------------------------------------
# End to end, in a real git repository with a real cargo workspace.

WORKSPACE = {
    "Cargo.toml": """
        [workspace]
        members = ["shared-ui", "chassis", "login", "product", "site"]
        default-members = ["site"]
        resolver = "2"

        [workspace.dependencies]
        shared-ui = { path = "shared-ui" }
        chassis = { path = "chassis" }
    """,
    "shared-ui/Cargo.toml": '[package]\nname = "shared-ui"\nversion = "0.1.0"\nedition = "2021"\n',
    "shared-ui/src/lib.rs": "",
    "chassis/Cargo.toml": '[package]\nname = "chassis"\nversion = "0.1.0"\nedition = "2021"\n',
    "chassis/src/lib.rs": "",
    "login/Cargo.toml": """
        [package]
        name = "login"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        chassis = { workspace = true }
        shared-ui = { workspace = true }
    """,
    "login/src/main.rs": "fn main() {}\n",
    "product/Cargo.toml": """
        [package]
        name = "product"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        chassis = { path = "../chassis" }
        [target.'cfg(unix)'.dependencies]
        shared-ui = { path = "../shared-ui" }
    """,
    "product/src/main.rs": "fn main() {}\n",
    "site/Cargo.toml": """
        [package]
        name = "site"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        login = { path = "../login" }
        product = { path = "../product" }
    """,
    "site/src/main.rs": "fn main() {}\n",
    "static/app.css": "body {}\n",
    "migrations/login/postgres/1_init/up.sql": "select 1;\n",
    "migrations/product/postgres/1_init/up.sql": "select 1;\n",
    "docs/DEPLOY.md": "# deploy\n",
}


def _write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text).lstrip())


def _git(root, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", "-C", root, *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


@pytest.fixture()
def repo(tmp_path):
    root = str(tmp_path / "repo")
    os.makedirs(root)
    for rel, text in WORKSPACE.items():
        _write(root, rel, text)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "initial")
    return root


def _commit(root, *paths, message="change"):
    for rel in paths:
        _write(root, rel, f"// {message}\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)
    return _git(root, "rev-parse", "HEAD")


def _run(root, *args, graph="auto"):
    return subprocess.run([str(SCRIPT), "--repo", root, "--graph", graph, *args],
                          capture_output=True, text=True, cwd=root, check=False)


GRAPHS = ["toml"] + (["cargo"] if shutil.which("cargo") else [])


@pytest.mark.parametrize("graph_source", GRAPHS)
@pytest.mark.parametrize(
    "paths, expected",
    [
        (["login/src/main.rs"], ["login"]),
        (["product/src/main.rs"], ["product"]),
        (["chassis/src/lib.rs"], ["login", "product"]),
        (["static/app.css"], ["login", "product"]),
        (["migrations/product/postgres/1_init/up.sql"], ["product"]),
        (["site/src/main.rs", "docs/DEPLOY.md"], []),
        (["Cargo.lock"], ["login", "product"]),
    ],
)
def test_command_lists_affected_services(repo, graph_source, paths, expected):
    _commit(repo, *paths)
    r = _run(repo, graph=graph_source)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == expected


def test_service_flag_answers_with_the_exit_status(repo):
    _commit(repo, "login/src/main.rs")
    assert _run(repo, "--service", "login").returncode == 0
    r = _run(repo, "--service", "product")
    assert r.returncode == 1 and r.stdout == ""


def test_base_spans_several_commits(repo):
    base = _git(repo, "rev-parse", "HEAD")
    _commit(repo, "product/src/main.rs", message="product work")
    _commit(repo, "docs/DEPLOY.md", message="docs only")
    # HEAD alone touches docs only; since `base` product changed.
    assert _run(repo).stdout.split() == []
    assert _run(repo, "--base", base).stdout.split() == ["product"]
    assert _run(repo, "--base", base, "--service", "product").returncode == 0


def test_base_from_environment(repo):
    base = _git(repo, "rev-parse", "HEAD")
    _commit(repo, "login/src/main.rs")
    _commit(repo, "docs/DEPLOY.md")
    env = dict(os.environ, AFFECTED_BASE=base)
    r = subprocess.run([str(SCRIPT), "--repo", repo], capture_output=True, text=True, env=env, check=False)
    assert r.stdout.split() == ["login"]


def test_a_move_out_of_a_crate_counts_for_the_crate(repo):
    _git(repo, "mv", "migrations/login/postgres/1_init/up.sql", "docs/old-init.sql")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "move")
    assert _run(repo).stdout.split() == ["login"]


def test_unknown_base_deploys_everything(repo):
    r = _run(repo, "--base", "0" * 40)
    assert r.returncode == 0
    assert r.stdout.split() == ["login", "product"]
    assert "treating every service as affected" in r.stderr
    # The first commit has no parent: everything ships.
    assert _run(repo).stdout.split() == ["login", "product"]


def test_explain_says_why(repo):
    _commit(repo, "static/app.css", "site/src/main.rs")
    r = _run(repo, "--explain")
    assert "static/app.css: login, product (embedded by shared-ui)" in r.stderr
    assert "site/src/main.rs: - (in crate site)" in r.stderr


@pytest.mark.parametrize("graph_source", GRAPHS)
def test_path_filters_command(repo, graph_source):
    r = _run(repo, "--path-filters", "product", graph=graph_source)
    assert r.returncode == 0, r.stderr
    filters = r.stdout.split()
    assert {"product/**", "chassis/**", "shared-ui/**", "static/**",
            "migrations/product/**", "Cargo.lock"} <= set(filters)
    assert "login/**" not in filters and "site/**" not in filters


def test_toml_and_cargo_read_the_same_graph(affected, repo):
    if not shutil.which("cargo"):
        pytest.skip("cargo is not installed: nothing to compare the TOML reader with")
    assert affected.load_graph(repo, "toml") == affected.load_graph(repo, "cargo")


def test_usage_errors_exit_2(repo, tmp_path):
    assert _run(repo, "--head", "no-such-rev").returncode == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    _git(str(empty), "init", "-q")
    (empty / "Cargo.toml").write_text('[workspace]\nmembers = []\n')
    r = _run(str(empty))
    assert r.returncode == 2 and "no package for service" in r.stderr


def test_the_real_workspace_has_both_services(affected):
    """On this repository, once its workspace exists: both readers agree."""
    if not (REPO / "Cargo.toml").exists():
        pytest.skip("the Rust workspace is not in this checkout")
    toml_graph = affected.load_graph(str(REPO), "toml")
    assert set(affected.SERVICES) <= set(toml_graph)
    if shutil.which("cargo"):
        assert toml_graph == affected.load_graph(str(REPO), "cargo")


def test_codecommit_every_push_reaches_both_pipelines_and_ships_only_what_it_affects(repo):
    """CodeCommit has no file-path triggers (infra/pipeline.yaml starts both
    pipelines on every push through EventBridge): each build then asks
    `--service` against the deployed commit, and only the affected service
    deploys. A run of pushes, as the two pipelines would see them."""
    deployed = {"login": _git(repo, "rev-parse", "HEAD"), "product": _git(repo, "rev-parse", "HEAD")}
    pushes = [
        (["docs/DEPLOY.md"], set()),
        (["login/src/main.rs"], {"login"}),
        (["migrations/product/postgres/1_init/up.sql"], {"product"}),
        (["static/app.css"], {"login", "product"}),
        (["site/src/main.rs"], set()),
    ]
    for i, (paths, expected) in enumerate(pushes):
        head = _commit(repo, *paths, message=f"push {i}")
        shipped = set()
        for service in ("login", "product"):
            r = _run(repo, "--base", deployed[service], "--head", head, "--service", service)
            assert r.returncode in (0, 1), r.stderr
            if r.returncode == 0:
                shipped.add(service)
                deployed[service] = head
        assert shipped == expected, (paths, shipped)
