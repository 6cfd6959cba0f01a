# syntax=docker/dockerfile:1
# The pipeline image Argo runs (argo/workflow-template.yaml): Python 3.11 slim, git, and the
# project's dependencies pinned by constraints.txt in /opt/venv (dvc, dvc-s3, the library),
# running as an unprivileged user. The workflow runs the checked-out registry's own code
# (PYTHONPATH=src), so the tag holds exactly the code that ran; the image brings the tools.
#   docker build -t data-registry-pipeline:latest .          (or: minikube image build -t ...)
#   docker build --build-arg EXTRAS= -t data-registry-pipeline:core .   # no embeddings/pgvector
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
# The extras the cluster's pipelines need; torch comes from the CPU index, not the CUDA build.
ARG EXTRAS=embeddings,pgvector
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN /opt/venv/bin/pip install --extra-index-url "$TORCH_INDEX_URL" -c constraints.txt ".${EXTRAS:+[$EXTRAS]}" \
    && /opt/venv/bin/dvc --version

FROM python:${PYTHON_VERSION}-slim
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 registry \
    && useradd --uid 10001 --gid 10001 --create-home --shell /bin/bash registry \
    && install -d -o 10001 -g 10001 /workspace
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DVC_NO_ANALYTICS=1
USER 10001:10001
WORKDIR /workspace
CMD ["data-registry", "--help"]
