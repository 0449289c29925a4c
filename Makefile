# Set-up and everyday commands. `make demo` and `make test` each create the virtual environment
# first if it is missing: torch 2.13.0 (the CPU build) where the environment has no torch yet,
# then the stage-timing library (./virnucpro_telemetry) and this project with its test extras.
# Neither distribution is on a package index, so the library is always installed from its folder.
# `make test` also runs the library's own tests in .venv-telemetry, an environment with only the
# library, pytest and pytest-timeout: the proof that it stands alone (no torch, no numpy).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LIB := virnucpro_telemetry
LIB_VENV ?= .venv-telemetry
LIB_BIN := $(LIB_VENV)/bin
LIB_FILES := $(LIB)/pyproject.toml $(LIB)/README.md $(shell find $(LIB)/src -name '*.py')

.PHONY: setup demo test test-telemetry bench lint clean

$(BIN)/virnucpro: pyproject.toml $(LIB)/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ./$(LIB) -e '.[test]'
	touch $@

setup: $(BIN)/virnucpro

# Installed as a user would (not editable), again whenever the library changes; setuptools'
# build folder goes, so that a module removed from src/ never lingers in the next build.
$(LIB_VENV)/installed: $(LIB_FILES)
	$(PYTHON) -m venv $(LIB_VENV)
	rm -rf $(LIB)/build
	$(LIB_BIN)/python -m pip install -q './$(LIB)[test]'
	rm -rf $(LIB)/build
	touch $@

demo: setup
	$(BIN)/virnucpro predict examples/example.fa --demo --force -o example_virnucpro --report
	$(BIN)/virnucpro plot example_virnucpro
	@echo "Open example_virnucpro/report.html and example_virnucpro/score_tracks.png"

# Run from the library's folder, where neither the repository's virnucpro nor its config is seen.
test-telemetry: $(LIB_VENV)/installed
	@cd $(LIB) && $(abspath $(LIB_BIN))/python -c "import importlib.util as u, sys; found = [m \
		for m in ('torch', 'numpy', 'virnucpro') if u.find_spec(m)]; sys.exit(found and \
		f'$(LIB_VENV) must hold only the library and its test tools, found {found}' or 0)"
	cd $(LIB) && $(abspath $(LIB_BIN))/python -m pytest -q

test: setup test-telemetry
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_telemetry.py
	$(BIN)/python benchmarks/bench_preprocess.py --sequences 20000
	$(BIN)/python benchmarks/bench_embed.py

lint: setup
	$(BIN)/python -m pip install -q ruff
	$(BIN)/ruff check virnucpro virnucpro_telemetry tests benchmarks scripts

clean:
	rm -rf $(VENV) $(LIB_VENV) example_virnucpro train_demo_virnucpro train_demo_predict_virnucpro \
		.pytest_cache

.PHONY: train-demo
train-demo: setup
	$(BIN)/virnucpro train --demo --force -l 300 -o train_demo_virnucpro \
		--viral examples/genbank/gbvrl1_start.seq \
		--other examples/genbank/NC_005816.gb examples/genbank/NC_000932.gb
	$(BIN)/virnucpro predict examples/example.fa --demo --force -l 300 \
		-m train_demo_virnucpro/model.pt -o train_demo_predict_virnucpro
