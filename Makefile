# KAM developer tasks. `make demo` installs everything and loads the demo data;
# `make test` runs the test suite.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
VENDOR := build/vendor

.PHONY: install assets messages demo test lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	$(MAKE) assets

# Front-end packages come from the npm registry (package-lock.json pins them) and are served
# locally by whitenoise from build/vendor — never from a CDN, never committed.
assets:
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js
	cp node_modules/alpinejs/dist/cdn.min.js $(VENDOR)/alpine.min.js

# Strings from kam/ (templates, models, filters, errors, services) and config/ go to
# kam/locale (LOCALE_PATHS); both the .po and the compiled .mo are committed.
I18N_IGNORE := --ignore=.venv --ignore=node_modules --ignore=build --ignore=test-artifacts \
	--ignore=kam.egg-info

messages:
	$(BIN)/kam makemessages -l zh_Hans --domain django --no-obsolete $(I18N_IGNORE)
	$(BIN)/kam compilemessages -l zh_Hans $(I18N_IGNORE)

demo: install
	$(BIN)/kam demo

test:
	$(BIN)/pytest -q

lint:
	$(BIN)/ruff check
	$(BIN)/ruff format --check
