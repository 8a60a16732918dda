"""
Sphinx configuration for the websockets-speedy documentation.

Build it with ``docs/build.sh``, which runs
``python -m sphinx -W --keep-going -b html docs build/docs``.

"""

from __future__ import annotations

import pathlib
import sys


# Document the package of this working tree, not an installed copy: autodoc
# imports the modules, so the reference always matches the code beside it.
ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from websockets.version import tag as release  # noqa: E402


project = "websockets-speedy"
author = "websockets-speedy developers"
copyright = "websockets-speedy developers"
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

# docs/design/ holds the team's working notes, in Markdown; docs/examples/
# holds the programs that the pages include.
exclude_patterns = ["_build", "design", "examples", "README*"]

# Google-style docstrings, as in websockets.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

autodoc_member_order = "bysource"
# Show defaults as written (``2**20``, not ``1048576``; no function reprs
# with memory addresses).
autodoc_preserve_defaults = True
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_class_signature = "separated"

# No network access at build time: no intersphinx. References to the
# standard library render as plain text.
default_role = "py:obj"

html_theme = "alabaster"
html_title = f"websockets-speedy {release}"
html_static_path: list[str] = []
html_theme_options = {
    "description": "websockets, with its hot paths compiled",
    "fixed_sidebar": True,
}
