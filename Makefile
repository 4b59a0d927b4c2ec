# The two entry points of the README, plus benchmarks. Everything installs from this repository's files.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test browser run test lint bench

install:
	$(PIP) install -q -e .

install-test:
	$(PIP) install -q -e '.[test,bench]'

# Debian's chromium and its driver drive the browser tests (as root; sudo elsewhere); a CJK font makes the
# screenshots readable.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list | grep -qi wenquanyi || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver fonts-wqy-zenhei >/dev/null; }

run: install
	budgetkg build
	budgetkg serve --host $(HOST) --port $(PORT)

test: install-test browser
	ruff check .
	$(PYTHON) -m pytest -q

lint:
	ruff check .

bench: install-test
	$(PYTHON) bench/store.py
	$(PYTHON) bench/build.py
	$(PYTHON) bench/search.py
	$(PYTHON) bench/eval_search.py
	$(PYTHON) bench/eval_check.py
