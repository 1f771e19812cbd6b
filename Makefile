# make run    - set up .venv, run the workflow on the sample in ../shared/data, write report.html
#               (make run DATASET=/data/PHOENIX-2014-T: another dataset; MANIFEST=/data/videos.tsv: video
#               files or frame folders listed in a manifest; ENGINE=torch: the batched PyTorch engine, which
#               installs requirements-engine.txt)
# make report - report.html of the last run (plan, run statistics, QC pictures)
# make pose   - one .pose file per video under results/pose/ (optional export)
# make resume - after kill -9 or a lost node: unlock, then finish the run
# report, pose and resume work on the dataset of the run in results/ (results/settings.yaml).
# make test   - set up .venv and run every test
# make bench  - run the benchmarks in full (benchmarks/README.md); figures in results/bench
SHELL := /bin/bash
# The first of these that runs and is 3.11 or 3.12 (mediapipe 0.10.21 and snakemake 9).
PYTHON ?= $(shell for p in python3 python3.12 python3.11; do $$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 8
GPUS ?= 4
DATASET ?=
MANIFEST ?=
ENGINE ?=
# Left out, the config's dataset, manifest and engine, or those results/ was made with.
CONFIG_ITEMS := $(if $(DATASET),"dataset_path=$(DATASET)") $(if $(MANIFEST),"manifest=$(MANIFEST)") \
	$(if $(ENGINE),engine=$(ENGINE))
CONFIG := $(if $(strip $(CONFIG_ITEMS)),--config $(CONFIG_ITEMS))
ENGINE_STAMP := $(VENV)/.installed-engine
# The torch engine's packages only where it is asked for (and for the tests, which cover it).
SETUP := $(STAMP) $(if $(filter torch,$(ENGINE)),$(ENGINE_STAMP))
# OpenCV 4.10 in a side folder, never on the project's path: tests/test_engine_crop.py checks the engine's crop
# against its warpPerspective, whose 8-bit arithmetic is MediaPipe's bundled OpenCV's (the pinned 4.11 is not).
CV2_REFERENCE := $(VENV)/opencv-4.10

.PHONY: run resume report pose test bench lint format clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or 3.12 is needed (mediapipe 0.10.21, snakemake 9): install one or set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(ENGINE_STAMP): $(STAMP) requirements-engine.txt
	$(BIN)/python -m pip install --quiet -r requirements-engine.txt
	touch $(ENGINE_STAMP)

# Targets come before --resources, which takes every NAME=N that follows it.
run: $(SETUP)
	$(BIN)/snakemake --cores $(CORES) --resources gpu=$(GPUS) $(CONFIG)
	$(BIN)/snakemake --report report.html $(CONFIG)

report: $(SETUP)
	$(BIN)/snakemake --report report.html $(CONFIG)

pose: $(SETUP)
	$(BIN)/snakemake export_pose --cores $(CORES) --resources gpu=$(GPUS) $(CONFIG)

# After kill -9 or a lost node: remove the stale lock, then finish the run.
resume: $(SETUP)
	$(BIN)/phoenix-keypoints resume --cores $(CORES) --resources gpu=$(GPUS) $(CONFIG)

$(CV2_REFERENCE)/.installed: $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps --target $(CV2_REFERENCE) opencv-python-headless==4.10.0.84
	touch $@

test: $(ENGINE_STAMP) $(CV2_REFERENCE)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" PHOENIX_CV2_REFERENCE="$(CURDIR)/$(CV2_REFERENCE)" $(BIN)/python -m pytest tests

bench: $(STAMP)
	mkdir -p results/bench
	set -o pipefail; for name in floor overhead scaling real_scale video_input; do \
		$(BIN)/python benchmarks/$$name.py --json results/bench/$$name.json 2>&1 | tee results/bench/$$name.txt || exit 1; \
	done
	set -o pipefail; $(BIN)/python benchmarks/projection.py --figures results/bench 2>&1 | tee results/bench/projection.txt

lint: $(STAMP)
	$(BIN)/ruff check scripts tests benchmarks
	$(BIN)/ruff format --check scripts tests benchmarks
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/snakemake --lint

format: $(STAMP)
	$(BIN)/ruff format scripts tests benchmarks
	$(BIN)/snakefmt Snakefile rules

clean:
	rm -rf results .snakemake report.html
