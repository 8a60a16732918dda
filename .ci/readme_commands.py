"""
Print the commands README.rst gives a newcomer, one per line.

    python3 .ci/readme_commands.py install   # "Try it": venv and install
    python3 .ci/readme_commands.py test      # "Run the tests"

CI runs exactly these lines, so the README can't drift from what CI checks.
Each is the first console command (``$ ...``) of its section.

"""

from __future__ import annotations

import pathlib
import re
import sys


SECTIONS = {"install": "Try it", "test": "Run the tests"}


def command(readme: str, section: str) -> str:
    match = re.search(rf"^{re.escape(section)}\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", readme, re.M | re.S)
    if match is None:
        sys.exit(f"README.rst has no section {section!r}")
    commands = re.findall(r"^\s+\$ (.*)$", match.group(1), re.M)
    if not commands:
        sys.exit(f"README.rst's section {section!r} has no console command")
    return commands[0]


if __name__ == "__main__":
    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.rst").read_text()
    print(command(readme, SECTIONS[sys.argv[1]]))
