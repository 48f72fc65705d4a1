# translate — build, test, demo and benchmark entry points.
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev libjpeg-dev libpng-dev pkg-config libdnnl-dev openmpi-bin libopenmpi-dev
BENCH_VENV ?= .venv-bench
BIN := .build/release/translate

.PHONY: all deps build test demo bench bench-env check-report clean

all: build

# Installs the system libraries when any is missing (needs root, as on the dev and CI machines).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build -c release --product translate

# Tests run with one BLAS/worker thread (PERF-NOTES P7) in release mode.
# The end-to-end tests run the built binary, so it is built first.
test: deps
	swift build -c release --product translate
	TRANSLATE_THREADS=1 OPENBLAS_NUM_THREADS=1 swift test -c release

demo: build
	bash scripts/demo.sh

# PyTorch (CPU) for the comparison rows of `make bench`, in a local venv.
bench-env:
	@if [ ! -x $(BENCH_VENV)/bin/python ]; then python3 -m venv $(BENCH_VENV); fi
	@$(BENCH_VENV)/bin/python -c "import torch, torchvision, PIL, safetensors" 2>/dev/null || \
		$(BENCH_VENV)/bin/pip install -q torch torchvision pillow numpy safetensors

bench: deps bench-env
	swift build -c release
	BENCH_PY=$(BENCH_VENV)/bin/python bash bench/run.sh

# Renders a run report in headless Chromium (Debian's chromium) and fails if it is blank or has a script error.
REPORT ?= runs/horse2zebra-cpu/report.html
check-report:
	@command -v chromium >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }
	python3 scripts/check_report.py $(REPORT) --screenshot $(dir $(REPORT))report.png

clean:
	rm -rf .build
