# Rapport developer commands. `make help` lists them; `make run` and `make test` are all a fresh
# machine needs (Python 3.11+ and make; uv is installed on first use).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# uv from PATH, else the copy `make install` puts in the user site-packages.
ifeq ($(origin UV),undefined)
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
endif
RUN := $(UV) run --frozen
PYTEST_ARGS ?=

# Re-sync only when the lock or a pyproject changed since the last install.
STAMP := .venv/.installed
INSTALL_INPUTS := pyproject.toml $(wildcard uv.lock) $(wildcard libs/*/pyproject.toml services/*/pyproject.toml)
TEST_PATHS := $(wildcard libs services tests)
TYPED_PATHS := libs/common/src $(wildcard services/*/src) tools scripts examples

.PHONY: help install run test lint openapi openapi-check bench clean

help: ## List the targets
	@echo "Rapport — make targets:"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-15s %s\n", $$1, $$2}'
	@echo "Variables: PYTEST_ARGS='-k name -x' (make test), UV (the uv command: $(UV))"

install: ## Install uv if missing, then the locked environment into .venv (uv sync --frozen)
	@rm -f $(STAMP)
	@$(MAKE) $(STAMP)

$(STAMP): $(INSTALL_INPUTS)
	@if ! $(UV) --version >/dev/null 2>&1; then \
	  echo "uv not found: installing it with pip --user"; \
	  python3 -m pip --version >/dev/null 2>&1 || python3 -m ensurepip --user; \
	  python3 -m pip install --user --quiet uv 2>/dev/null \
	    || python3 -m pip install --user --quiet --break-system-packages uv; \
	fi
	@if [ -f uv.lock ]; then $(UV) sync --frozen; else $(UV) sync; fi
	@touch $@

run: $(STAMP) ## Migrate every service's database, then run the broker and all services (Ctrl-C stops)
	@$(RUN) python scripts/run.py || [ $$? -eq 130 ]  # 130: stopped with Ctrl-C

test: $(STAMP) ## Run every test on SQLite (and PostgreSQL when CRM_TEST_POSTGRES_URL is set); PYTEST_ARGS=...
	$(RUN) pytest -p no:cacheprovider $(TEST_PATHS) $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check, ruff format --check, mypy (strict), and the deploy manifests parse
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy $(TYPED_PATHS)
	$(RUN) python tools/check_manifests.py

openapi: $(STAMP) ## Regenerate openapi/<service>.json, openapi/events/*.json and openapi/asyncapi.yaml
	$(RUN) python tools/gen_openapi.py --out openapi

openapi-check: $(STAMP) ## Fail when openapi/ is stale or an existing event type changed incompatibly
	$(RUN) python tools/gen_openapi.py --check openapi

bench: $(STAMP) ## Run the benchmarks (project vs bare reference, same machine, same run)
	$(RUN) python -m bench

clean: ## Remove var/ (local databases, the dev admin key) and caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./.venv -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
