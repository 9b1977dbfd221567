# Two entry points (see README): `make report` (the main job) and `make test`.
# Both start from a bare Python 3.11: they create .venv and install the package first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.docs-installed
# Matplotlib must never try a display; pytensor compiles into the venv so runs stay independent.
export MPLBACKEND := Agg
export PYTENSOR_FLAGS ?= base_compiledir=$(CURDIR)/$(VENV)/pytensor

.PHONY: all setup report test lint typecheck pytest slow bench docs clean

all: report

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,nutpie]"
	touch $(STAMP)

setup: $(STAMP)

## The main job: simulate -> estimate -> cost-benefit -> render reports (HTML + PDF).
report: $(STAMP)
	$(BIN)/impact all

## Lint, type-check and the default (fast) test suite.
test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests analyses benchmarks tools docs
	$(BIN)/ruff format --check src tests analyses benchmarks tools docs

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q -n 2 --dist loadgroup

## Long checks: simulation studies, calibration of the samplers.
slow: $(STAMP)
	$(BIN)/pytest -q -m slow

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

## The documentation site (docstrings + docs/*.md, tutorials executed) into site/, offline.
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf results reports/_output site .pytest_cache .mypy_cache .ruff_cache
