# Shortcuts for development; CI runs .ci/run.

PYTHON ?= .venv/bin/python

.PHONY: build test test-compiled test-pure lint sdist ci clean

build:
	BUILD_EXTENSION=yes $(PYTHON) setup.py -q build_ext --inplace

test: test-compiled test-pure

test-compiled: build
	WEBSOCKETS_REQUIRE_SPEEDUPS=1 $(PYTHON) -m pytest

test-pure:
	WEBSOCKETS_NO_SPEEDUPS=1 $(PYTHON) -m pytest

lint:
	$(PYTHON) -m ruff check websockets tests
	$(PYTHON) -m mypy --strict websockets

sdist:
	$(PYTHON) -m build --sdist

ci:
	bash .ci/run

clean:
	rm -rf build dist *.egg-info _speedups/*.c _speedups/*.html websockets/_speedups/*.so websockets/_speedups/*.pyd
