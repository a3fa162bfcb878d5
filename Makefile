# Two commands matter: `make demo` (set up + ask the seed corpus) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
QUESTION ?= Dengan kendaraan apa Kim Jong-un berangkat ke Rusia?

# llama-cpp-python compiles from source (no wheel on PyPI); skip the parts Warta never uses.
# pip caches the built wheel, so later installs take seconds. Built for this machine's CPU
# (-march=native: AVX-512 where it has it) but without AMX tile code: that crashed (SIGSEGV in
# ggml_backend_amx_mul_mat) on a virtual CPU that lists AMX but whose kernel does not grant
# it. The Dockerfile builds portable (GGML_NATIVE=OFF) instead: its image runs elsewhere.
NO_AMX := -mno-amx-tile\ -mno-amx-int8\ -mno-amx-bf16
CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
	-DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=ON \
	-DCMAKE_C_FLAGS=$(NO_AMX) -DCMAKE_CXX_FLAGS=$(NO_AMX)
CMAKE_BUILD_PARALLEL_LEVEL ?= 2
export CMAKE_ARGS CMAKE_BUILD_PARALLEL_LEVEL

.PHONY: install demo test lint bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install -e '.[dev]'
	scripts/llama_selfcheck.sh $(BIN)
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/warta index
	$(BIN)/warta ask "$(QUESTION)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy retrieval bot

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python -m benchmarks.retrieval
	$(BIN)/python -m benchmarks.answer
