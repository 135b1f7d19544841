"""Puts this folder on sys.path so the tests share `app_fixtures` (pytest runs with --import-mode=importlib)."""

import pathlib
import sys

_HERE = str(pathlib.Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
