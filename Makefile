# Everything a fresh machine needs goes through these targets (see README).
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
APT_GET ?= apt-get
# One stamp per set of packages: `make demo` installs only what the app needs, `make test` adds
# the test tools without reinstalling the rest, and neither redoes the other's work.
VENV_READY := $(VENV)/.venv-ready
RUNTIME    := $(VENV)/.installed-runtime
TEST_TOOLS := $(VENV)/.installed-test

.PHONY: install demo test lint format bench screenshots interop python-venv system-deps clean

# A usable $(PYTHON) before the venv is made: found, >= 3.11, and with ensurepip, which Debian
# and Ubuntu ship apart (python3.X-venv). Like tmux below, the package is installed with apt-get
# when running as root; otherwise make stops with the exact command to run.
define check_python
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "make: $(PYTHON) not found: install Python >= 3.11 (Debian/Ubuntu: apt-get install python3 python3-venv), or run make PYTHON=/path/to/python3" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "make: $(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); openclaw-tui needs >= 3.11: run make PYTHON=python3.11 (or newer)" >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  pkg=$$($(PYTHON) -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])'); \
	  prefix=$$($(PYTHON) -c 'import sys; print(sys.base_prefix)'); \
	  if [ "$$prefix" != /usr ]; then \
	    echo "make: $(PYTHON) (installed in $$prefix) has no ensurepip, so it cannot create $(VENV); no system package adds it to a Python outside /usr: reinstall that Python with ensurepip, or run make PYTHON=/usr/bin/python3" >&2; exit 1; \
	  elif ! command -v $(APT_GET) >/dev/null 2>&1; then \
	    echo "make: $(PYTHON) has no ensurepip, so it cannot create $(VENV): install your system's venv package for Python $${pkg#python} (Debian/Ubuntu: $$pkg), then run make again" >&2; exit 1; \
	  elif [ "$$(id -u)" != 0 ]; then \
	    echo "make: $(PYTHON) has no ensurepip, so it cannot create $(VENV). Install it, then run make again:" >&2; \
	    echo "    sudo apt-get install $$pkg" >&2; exit 1; \
	  fi; \
	  echo "installing $$pkg (python3 -m venv needs its ensurepip)"; \
	  { $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $$pkg >/dev/null; } \
	    || { echo "make: apt-get install $$pkg failed" >&2; exit 1; }; \
	  $(PYTHON) -c 'import ensurepip, venv' \
	    || { echo "make: $$pkg is installed but $(PYTHON) still has no ensurepip" >&2; exit 1; }; }
endef

python-venv:
	$(check_python)

# The app's modules byte-compiled, as pip compiles an installed copy's: this checkout is installed
# editable, and with PYTHONDONTWRITEBYTECODE set every start would compile them from source again.
define compile_app
	$(PY) -m compileall -q openclaw_tui store tui widgets >/dev/null
endef

$(VENV_READY):
	$(check_python)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	touch $@

# The app's runtime dependencies only: all `make demo` needs.
$(RUNTIME): pyproject.toml | $(VENV_READY)
	$(PY) -m pip install --quiet -e .
	$(compile_app)
	touch $@

# The runtime and the test extras in one pip run; it also brings the runtime stamp up to date.
$(TEST_TOOLS): pyproject.toml | $(VENV_READY)
	$(PY) -m pip install --quiet -e '.[test]'
	$(compile_app)
	touch $(RUNTIME) $@

install: $(TEST_TOOLS)

# tmux drives the end-to-end tests in a real terminal.
system-deps:
	@command -v tmux >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" != 0 ] || ! command -v $(APT_GET) >/dev/null 2>&1; then \
	    echo "make: tmux is missing (the end-to-end tests run the app in it). Install it, then run make again:" >&2; \
	    echo "    sudo apt-get install tmux" >&2; exit 1; \
	  fi; \
	  echo "installing tmux (needed by the end-to-end tests)"; \
	  { $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq tmux >/dev/null; } \
	    || { echo "make: apt-get install tmux failed" >&2; exit 1; }; }

demo: $(RUNTIME)
	$(VENV)/bin/openclaw-tui --demo

lint: $(TEST_TOOLS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tools/typecheck.py

format: $(TEST_TOOLS)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: $(TEST_TOOLS) system-deps lint
	$(PY) -m pytest -q

bench: $(TEST_TOOLS)
	$(PY) bench/run_all.py

screenshots: $(TEST_TOOLS)
	$(PY) -m tests.scenes --write screenshots

# Downloads Node 24 and two OpenClaw releases (about 1 GB) into a cache outside the repo; needs
# npm (any version), and says so before downloading anything when it is missing.
interop: $(RUNTIME)
	PYTHON=$(abspath $(PY)) bash interop/run.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis build/typecheck
