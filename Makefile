# Two entry points, both from a fresh clone: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
EXAMPLE_QUESTION ?= 新疆今年新增了多少工会会员？

.PHONY: run test test-fast index lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is installed first and pinned exactly: the CPU wheel of 2.13.0 is on disk, anything
# looser makes pip fetch a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

index: install
	$(BIN)/qa index seeds --data-dir $(DATA_DIR)

run: index
	$(BIN)/qa ask "$(EXAMPLE_QUESTION)" --data-dir $(DATA_DIR)

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not slow"

bench: install
	$(BIN)/python bench/bench_core.py

clean:
	rm -rf $(VENV) $(DATA_DIR)
