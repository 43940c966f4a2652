# Two commands do everything on a fresh machine:
#   make run    venv, install, migrate, demo data, web server + Celery worker (http://127.0.0.1:8000/)
#   make test   venv, install, the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_HOUSEHOLDS ?= 3000
# Test processes (pytest-xdist): one per CPU; JOBS=0 runs the suite in this process.
JOBS ?= auto

.PHONY: install run test test-sqlite lint messages bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --households $(DEMO_HOUSEHOLDS)
	$(PY) manage.py rescreen --all
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) bin/run-dev

test: install
	$(PY) -m pytest -n $(JOBS) $(PYTEST_ARGS)

# The suite on the embedded default database (SQLite), whatever DATABASE_URL says.
test-sqlite: install
	env -u DATABASE_URL $(PY) -m pytest -n $(JOBS) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

messages: install
	$(PY) manage.py makemessages -l en --no-obsolete
	$(PY) manage.py compilemessages -l en
