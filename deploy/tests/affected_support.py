"""Loads deploy/affected-services (a script without a .py suffix) as a module."""

import importlib.machinery
import importlib.util
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "affected-services"


def load_script():
    loader = importlib.machinery.SourceFileLoader("affected_services", str(SCRIPT))
    spec = importlib.util.spec_from_loader("affected_services", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["affected_services"] = module
    loader.exec_module(module)
    return module
