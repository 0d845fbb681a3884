# syntax=docker/dockerfile:1
# A Node.js API with a Go sidecar, built in three stages and run as an unprivileged user.
ARG NODE_VERSION=22.11.0
ARG GO_VERSION=1.23
ARG DEBIAN_RELEASE=bookworm
ARG APP_USER=app

FROM golang:${GO_VERSION}-${DEBIAN_RELEASE} AS sidecar
ARG TARGETOS
ARG TARGETARCH
ENV CGO_ENABLED=0 \
    GOOS=${TARGETOS:-linux} \
    GOARCH=${TARGETARCH:-amd64} \
    GOFLAGS=-trimpath
WORKDIR /src/sidecar
COPY sidecar/go.mod sidecar/go.sum ./
RUN go mod download && \
    go mod verify
COPY sidecar/ ./
RUN go build -ldflags="-s -w" -o /out/sidecar ./cmd/sidecar && \
    /out/sidecar --version

FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS deps
ARG NPM_REGISTRY=https://registry.npmjs.org/
ENV NODE_ENV=production \
    NPM_CONFIG_REGISTRY=$NPM_REGISTRY \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && \
    npm cache clean --force

FROM deps AS build
ENV NODE_ENV=development
COPY tsconfig.json ./
COPY src/ ./src/
RUN npm ci --ignore-scripts && \
    npm run build && \
    npm prune --omit=dev

FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS runtime
ARG APP_USER
ARG APP_UID=10001
ARG BUILD_REVISION=0000000
LABEL org.opencontainers.image.title="plan-bench-api" \
      org.opencontainers.image.revision="${BUILD_REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV APP_HOME=/srv/app \
    APP_PORT=8080 \
    APP_USER=${APP_USER} \
    NODE_ENV=production
ENV PATH=${APP_HOME}/bin:${PATH} \
    LOG_DIR=${APP_HOME}/log \
    CONFIG_FILE=${APP_HOME}/config/app.yaml
RUN apt-get update && \
    apt-get install -y --no-install-recommends \
      ca-certificates \
      curl \
      dumb-init \
      fontconfig \
      git \
      gnupg \
      iproute2 \
      iputils-ping \
      jq \
      less \
      libssl3 \
      locales \
      netbase \
      openssh-client \
      procps \
      python3-minimal \
      ripgrep \
      tini \
      tzdata \
      unzip \
      wget \
      xz-utils && \
    rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid ${APP_UID} ${APP_USER} && \
    useradd --system --uid ${APP_UID} --gid ${APP_UID} \
      --home-dir ${APP_HOME} --shell /usr/sbin/nologin ${APP_USER}
WORKDIR ${APP_HOME}
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=sidecar /out/sidecar ./bin/sidecar
COPY --chown=${APP_USER}:${APP_USER} config/ ./config/
COPY --chmod=0755 scripts/entrypoint.sh ./bin/entrypoint.sh
RUN mkdir -p "${LOG_DIR}" && \
    chown -R ${APP_USER}:${APP_USER} "${LOG_DIR}" && \
    sed -i "s/__PORT__/${APP_PORT}/" "${CONFIG_FILE}"
# build id: local
USER ${APP_USER}
EXPOSE ${APP_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${APP_PORT}/healthz" || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "./bin/entrypoint.sh"]
CMD ["node", "dist/server.js"]
