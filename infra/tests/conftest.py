import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from cfn_support import ROUTES_HELP, TEMPLATES, load_routes, load_template


@pytest.fixture(scope="session")
def templates():
    return {name: load_template(name) for name in TEMPLATES}


@pytest.fixture(scope="session")
def routes():
    """The routing table from the Rust code; a missing file fails, never skips."""
    path = os.environ.get("ROUTES_JSON")
    if not path:
        pytest.fail(ROUTES_HELP, pytrace=False)
    if not os.path.isfile(path):
        pytest.fail(f"ROUTES_JSON={path!r} is not a file. {ROUTES_HELP}", pytrace=False)
    return load_routes(path)
