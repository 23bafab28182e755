# Doppel: two commands for a new user, `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

install: $(STAMP)

# torch first, from the local CPU wheel, so sdv does not pull the CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The main job until the agent layer lands: the bundled example schema, end to end.
run: install
	rm -rf out/shop
	$(BIN)/doppel generate examples/shop.yaml --seed 42 --format parquet --out out/shop
	@echo "Output written to out/shop (one Parquet file per table, plus metadata.json)."

test: install
	$(BIN)/python -m pytest -n 2 -q

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: install
	$(BIN)/python bench/generate.py

clean:
	rm -rf $(VENV) out .doppel .pytest_cache .mypy_cache .ruff_cache
