# Two commands do all the set-up: `make run` and `make test` (see README.md).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
FLASK   := $(BIN)/flask --app ap_forms
DEMO_PASSWORD ?=
# The Nu HTML Checker (tests/test_html_validity.py), from npm into .venv/node_modules.
VNU_VERSION := 26.9.27

.PHONY: run serve test install install-dev system-deps vnu lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages the app and the suite need: Pango for WeasyPrint, poppler for pdftoppm/pdftotext,
# chromium for the browser tests, java and npm for the HTML checker. Installed only when missing.
system-deps:
	@./scripts/system-deps.sh

$(VENV)/.vnu-$(VNU_VERSION): | $(BIN)/python system-deps
	npm install --silent --no-audit --no-fund --prefix $(VENV) vnu-jar@$(VNU_VERSION)
	touch $@

vnu: $(VENV)/.vnu-$(VNU_VERSION)

run: install system-deps
	$(FLASK) init-db
	$(FLASK) demo --if-empty $(if $(DEMO_PASSWORD),--password "$(DEMO_PASSWORD)",)
	GUNICORN_BIND=127.0.0.1:5000 WEB_CONCURRENCY=1 LOG_FORMAT=text GUNICORN_ACCESS_LOG=- \
		$(BIN)/gunicorn --config gunicorn.conf.py

# Production: migrate the configured database (DATABASE_URL), then serve it with gunicorn
# (gunicorn.conf.py; GUNICORN_BIND, default 127.0.0.1:8000). See README "Deploying".
serve: install
	$(FLASK) init-db
	$(BIN)/gunicorn --config gunicorn.conf.py

test: install-dev system-deps vnu
	$(BIN)/pytest -q -n 2

lint: install-dev
	$(BIN)/ruff check ap_forms tests bench
	$(BIN)/ruff format --check ap_forms tests bench migrations gunicorn.conf.py setup.py

# Every everyday page under gunicorn beside a bare Flask page (bench/README.md); wrk from Debian.
bench: install-dev
	@command -v wrk >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get install -y -qq wrk >/dev/null || { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; }; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/*.db
