# kb: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SHARED ?= ../shared
# Two pytest workers (pytest-xdist): one per core on our 2-core machines.
PYTEST_ARGS ?= -n 2

# Development default for the commands run through make (run, test, eval, bench). It lives
# here, in make's own environment, never in a file: kb reads DJANGO_DEBUG only from the
# process environment, so nothing `make install` writes can turn DEBUG on in production.
export DJANGO_DEBUG ?= 1

.PHONY: install run serve test test-browser lint format eval train train-types bench browser-deps clean

install: $(VENV)/.installed .env

# A .env with a fresh random secret key (mode 0600), so manage.py works out of the box
# with DEBUG off; it holds no DJANGO_DEBUG (see above).
.env:
	umask 077 && cp .env.example .env
	echo "DJANGO_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" >> .env

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ingest seeds/
	@echo ""
	@echo "kb is serving at http://$(HOST):$(PORT)/  (API: /api/, admin: /admin/)"
	@echo "To log into the admin, create a superuser in another shell:"
	@echo "    $(BIN)/python manage.py createsuperuser"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production-style serving (gunicorn + whitenoise): DJANGO_DEBUG is 0 here whatever the
# development default above says (SERVE_DEBUG=1 to override); needs DJANGO_SECRET_KEY.
SERVE_DEBUG ?= 0
serve: install
	DJANGO_DEBUG=$(SERVE_DEBUG) $(BIN)/python manage.py collectstatic --noinput -v 0
	DJANGO_DEBUG=$(SERVE_DEBUG) $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$(SERVE_DEBUG) $(BIN)/gunicorn -c kb/gunicorn.conf.py kb.wsgi

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff, the import rules between layers (import-linter contracts in pyproject.toml), and no
# function in statements/ longer than 80 lines.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/python tools/check_function_length.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

eval: install
	$(BIN)/python -m statements.nlp.evaluate --shared $(SHARED)

# Rebuild the learned attribution models (statements/nlp/models/) from PolNeAR train and
# record their dev scores; TRAIN_ARGS="--cache /tmp/kb-train" reuses parsed Docs.
train: install
	$(BIN)/python -m statements.nlp.train --shared $(SHARED) $(TRAIN_ARGS)

# Rebuild the statement-type classifier (statements/nlp/models/types.crfsuite) from the
# type labels in statements/nlp/learned/labels/ and PolNeAR train's texts; scores dev.
train-types: install
	$(BIN)/python -m statements.nlp.train_types --shared $(SHARED)

bench: install
	$(BIN)/python bench/run.py --shared $(SHARED)

# Headless Chromium for the browser tests (Debian packages; needs root).
browser-deps:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .import_linter_cache staticfiles
