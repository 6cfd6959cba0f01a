# syntax=docker/dockerfile:1
# The pipeline image Argo runs (argo/workflow-template.yaml): Python 3.11 slim, git, and the
# project's dependencies pinned by constraints.txt in /opt/venv (dvc, dvc-s3, the library),
# running as an unprivileged user. The workflow runs the checked-out registry's own code
# (PYTHONPATH=src), so the tag holds exactly the code that ran; the image brings the tools.
# CI builds and pushes it to ghcr.io on changes (.github/workflows/image.yaml); by hand:
#   docker build -t data-registry-pipeline:dev .          (or: minikube image build -t ...)
#   docker build --build-arg EXTRAS= -t data-registry-pipeline:core .   # no embeddings/pgvector
#
# Two layers that change at different rates: the dependencies (torch, Ray, DVC: GBs, rebuilt
# only when pyproject.toml or constraints.txt change) and the project's code (small, rebuilt
# with every change under src/). The base image is pinned by digest (Dependabot proposes
# updates, .github/dependabot.yml); both stages use the same one.

FROM python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91 AS deps
# The extras the cluster's pipelines need; torch comes from the CPU index, not the CUDA build.
ARG EXTRAS=embeddings,pgvector
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml constraints.txt ./
# Resolve and install every dependency with an empty stand-in for the package (and its
# README), then remove the stand-in: this layer does not depend on src/ or the README.
RUN mkdir -p src/data_registry \
    && touch src/data_registry/__init__.py README.md \
    && /opt/venv/bin/pip install --extra-index-url "$TORCH_INDEX_URL" -c constraints.txt ".${EXTRAS:+[$EXTRAS]}" \
    && /opt/venv/bin/pip uninstall --yes data-registry

FROM python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 registry \
    && useradd --uid 10001 --gid 10001 --create-home --shell /bin/bash registry \
    && install -d -o 10001 -g 10001 /workspace
ENV PATH=/opt/venv/bin:$PATH \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DVC_NO_ANALYTICS=1
# The dependency layer, unchanged by code changes.
COPY --from=deps /opt/venv /opt/venv
# The code layer: the project alone, its dependencies already there (--no-deps).
WORKDIR /opt/data-registry
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install --no-deps -c constraints.txt . \
    && dvc --version \
    && data-registry --help > /dev/null
USER 10001:10001
WORKDIR /workspace
CMD ["data-registry", "--help"]
