# Set-up and everyday commands. `make demo` and `make test` each create the virtual environment
# first if it is missing: torch 2.13.0 (the CPU build) where the environment has no torch yet,
# then this project with its test extras.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test bench lint clean

$(BIN)/virnucpro: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

setup: $(BIN)/virnucpro

demo: setup
	$(BIN)/virnucpro predict examples/example.fa --demo --force -o example_virnucpro

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_telemetry.py
	$(BIN)/python benchmarks/bench_preprocess.py --sequences 20000
	$(BIN)/python benchmarks/bench_embed.py

lint: setup
	$(BIN)/python -m pip install -q ruff
	$(BIN)/ruff check virnucpro virnucpro_telemetry tests benchmarks scripts

clean:
	rm -rf $(VENV) example_virnucpro .pytest_cache

.PHONY: train-demo
train-demo: setup
	$(BIN)/virnucpro train --demo --force -l 300 -o train_demo_virnucpro \
		--viral examples/genbank/gbvrl1_start.seq \
		--other examples/genbank/NC_005816.gb examples/genbank/NC_000932.gb
	$(BIN)/virnucpro predict examples/example.fa --demo --force -l 300 \
		-m train_demo_virnucpro/model.pt -o train_demo_predict_virnucpro
