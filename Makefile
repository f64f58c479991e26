# xlcomp: two commands on a fresh Debian machine as root.
#   make demo   creates .venv, installs xlcomp with everything it needs, runs the demo
#   make test   installs what the tests need (LibreOffice included) and runs the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
XLCOMP := $(VENV)/bin/xlcomp

.PHONY: demo test lint bench system-deps install npm-deps clean

$(VENV)/.installed: setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all,dev]"
	@touch $@

install: $(VENV)/.installed

# System packages: LibreOffice Calc (parity checks), poppler (pdftotext/pdftoppm), Chromium (browser tests),
# Pango and fonts (PDF statements; Noto Color Emoji for emoji in names), PostgreSQL (the ledger tests start a
# throwaway cluster), Node.js and npm (Pyodide runs the xlwings Lite functions). Installed with apt-get only when
# something is missing.
system-deps:
	@missing=""; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || missing="$$missing chromium chromium-driver"; \
	ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b"; \
	test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || missing="$$missing fonts-dejavu-core fonts-liberation2"; \
	test -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf || missing="$$missing fonts-noto-color-emoji"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	{ command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; } || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# npm packages of the tests, from the committed lock file: Pyodide for tests/lite (no network when it runs).
npm-deps: tests/lite/node_modules/.installed

tests/lite/node_modules/.installed: tests/lite/package.json tests/lite/package-lock.json | system-deps
	cd tests/lite && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: $(VENV)/.installed system-deps
	$(XLCOMP) demo --out workbooks/demo

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check xlcomp tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

test: $(VENV)/.installed system-deps npm-deps lint
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(VENV)/.installed system-deps
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache tests/lite/node_modules
