"""
The finder that wheels install to make ``import websockets`` resolve to this
project (websockets/_precedence.py). tests/test_coexistence.py checks it in
real installations; these tests check its decisions in-process.

"""

from __future__ import annotations

import sys

import pytest

from websockets._precedence import Finder, install


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """
    Two copies of a ``websockets`` package: ours and a release on sys.path.

    """
    ours = tmp_path / "_websockets_speedy"
    released = tmp_path / "site-packages"
    for directory in (ours, released):
        (directory / "websockets").mkdir(parents=True)
        (directory / "websockets" / "__init__.py").write_text("")
    monkeypatch.setattr(sys, "path", [str(released), str(ours)])
    return ours, released


def test_finder_resolves_websockets_to_its_directory(layout):
    ours, released = layout
    spec = Finder(str(ours)).find_spec("websockets")
    assert spec.origin == str(ours / "websockets" / "__init__.py")
    assert spec.name == "websockets"


def test_finder_leaves_other_names_alone(layout):
    ours, released = layout
    assert Finder(str(ours)).find_spec("websockets_other") is None
    # Submodules are found through websockets.__path__, not by the finder.
    assert Finder(str(ours)).find_spec("websockets.frames", [str(ours)]) is None


def test_released_finder_skips_its_directory(layout):
    ours, released = layout
    sys.path.reverse()
    spec = Finder(str(ours), released=True).find_spec("websockets")
    assert spec.origin == str(released / "websockets" / "__init__.py")


def test_released_finder_fails_without_the_release(layout):
    ours, released = layout
    sys.path.remove(str(released))
    with pytest.raises(ModuleNotFoundError, match="WEBSOCKETS_SPEEDY=0"):
        Finder(str(ours), released=True).find_spec("websockets")


def test_install_puts_one_finder_first(layout, monkeypatch):
    ours, released = layout
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.delenv("WEBSOCKETS_SPEEDY", raising=False)
    finder = install(str(ours))
    assert sys.meta_path[0] is finder
    assert not finder.released
    assert install(str(ours)) is finder
    assert sum(isinstance(item, Finder) for item in sys.meta_path) == 1


def test_install_reads_environment_variable(layout, monkeypatch):
    ours, released = layout
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.setenv("WEBSOCKETS_SPEEDY", "0")
    assert install(str(ours)).released
