# lbteach: `make run` serves the site, `make test` runs the suite. Both set themselves up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

# A class from a laptop: listen on every interface; only the LAN address is added to the hosts.
.PHONY: run class real test setup content lint format bench clean

# Re-install only when the dependencies change, so a second `make run` is quick and harmless.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

content: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_content
	$(PY) manage.py purge_class_results
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: content
	@echo "lbteach is being served on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	@HOST=$(HOST) PORT=$(PORT) $(PY) manage.py class_address
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/daphne -b $(HOST) -p $(PORT) lbteach.asgi:application

# A class on a laptop: reachable from the room, and screens updated ten times a second (each
# screen gets at most one frame per tick; bench/class_load.py: p99 111 ms from a student's
# tap to the projector at 60 students, against 510 ms at the site's default 0.5 s tick).
class:
	LIVE_TICK_SECONDS=$${LIVE_TICK_SECONDS:-0.1} $(MAKE) run HOST=0.0.0.0

# The real restaurant: a real HAProxy (the system's package) in front of TABLES real table
# processes, and the site; Ctrl-C stops every process it started. HOST=0.0.0.0 for a class.
TABLES ?= 3
real: content
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py real --tables $(TABLES)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
