# Everything a fresh machine needs goes through these targets (see README).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint format bench screenshots interop system-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# tmux drives the end-to-end tests in a real terminal.
system-deps:
	@command -v tmux >/dev/null 2>&1 || { \
	  echo "installing tmux (needed by the end-to-end tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; }

demo: install
	$(VENV)/bin/openclaw-tui --demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install system-deps lint
	$(PY) -m pytest -q

bench: install
	$(PY) bench/run_all.py

screenshots: install
	$(PY) -m tests.scenes --write screenshots

# Downloads Node 24 and two OpenClaw releases (about 1 GB) into a cache outside the repo.
interop: install
	bash interop/run.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
