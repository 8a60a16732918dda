from __future__ import annotations


__all__ = ["tag", "version", "commit"]


# The API follows websockets 17.x, so the version number does too, with our
# own suffix: applications that compare ``websockets.__version__`` against
# "17" keep working.
released = False

tag = version = commit = "17.4"
