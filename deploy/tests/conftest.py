import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from affected_support import load_script


@pytest.fixture(scope="session")
def affected():
    """deploy/affected-services, imported as a module."""
    return load_script()
