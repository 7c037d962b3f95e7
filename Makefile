# KAM developer tasks. `make demo` installs everything, loads the demo data and serves it;
# `make test` installs everything and runs the test suite. Installing is skipped when nothing
# it depends on changed (the stamp files below).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
VENDOR := build/vendor

.PHONY: install messages demo test lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed $(VENDOR)/.installed

# Front-end packages come from the npm registry (package-lock.json pins them) and are served
# locally by whitenoise from build/vendor — never from a CDN, never committed.
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js
	touch $@

# Strings from kam/ (templates, models, filters, errors, services) and config/ go to
# kam/locale (LOCALE_PATHS); both the .po and the compiled .mo are committed.
I18N_IGNORE := --ignore=.venv --ignore=node_modules --ignore=build --ignore=test-artifacts \
	--ignore=kam.egg-info

messages:
	$(BIN)/kam makemessages -l zh_Hans --domain django --no-obsolete $(I18N_IGNORE)
	$(BIN)/kam compilemessages -l zh_Hans $(I18N_IGNORE)

demo: install
	$(BIN)/kam demo

test: install
	$(BIN)/pytest -q -n 2

lint: install
	$(BIN)/ruff check
	$(BIN)/ruff format --check
