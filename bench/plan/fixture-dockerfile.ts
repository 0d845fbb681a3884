/**
 * The plan benchmark's input: a realistic, deterministic 100-line Dockerfile (global ARGs
 * before FROM, three build stages and a runtime stage, ENV with expansions, RUN with
 * continuations, COPY from the context and from stages, WORKDIR, USER, EXPOSE, HEALTHCHECK,
 * CMD) and the small build context its COPY sources name.
 */

/** Lines the fixture Dockerfile has (the text ends with a newline after the last one). */
export const FIXTURE_LINES = 100;

/** The comment line that {@link variantDockerfile} rewrites to make texts that differ. */
export const MARKER_LINE = '# build id: local';

const HEAD = [
  '# syntax=docker/dockerfile:1',
  '# A Node.js API with a Go sidecar, built in three stages and run as an unprivileged user.',
  'ARG NODE_VERSION=22.11.0',
  'ARG GO_VERSION=1.23',
  'ARG DEBIAN_RELEASE=bookworm',
  'ARG APP_USER=app',
  '',
  'FROM golang:${GO_VERSION}-${DEBIAN_RELEASE} AS sidecar',
  'ARG TARGETOS',
  'ARG TARGETARCH',
  'ENV CGO_ENABLED=0 \\',
  '    GOOS=${TARGETOS:-linux} \\',
  '    GOARCH=${TARGETARCH:-amd64} \\',
  '    GOFLAGS=-trimpath',
  'WORKDIR /src/sidecar',
  'COPY sidecar/go.mod sidecar/go.sum ./',
  'RUN go mod download && \\',
  '    go mod verify',
  'COPY sidecar/ ./',
  'RUN go build -ldflags="-s -w" -o /out/sidecar ./cmd/sidecar && \\',
  '    /out/sidecar --version',
  '',
  'FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS deps',
  'ARG NPM_REGISTRY=https://registry.npmjs.org/',
  'ENV NODE_ENV=production \\',
  '    NPM_CONFIG_REGISTRY=$NPM_REGISTRY \\',
  '    NPM_CONFIG_FUND=false \\',
  '    NPM_CONFIG_AUDIT=false',
  'WORKDIR /app',
  'COPY package.json package-lock.json ./',
  'RUN npm ci --omit=dev --ignore-scripts && \\',
  '    npm cache clean --force',
  '',
  'FROM deps AS build',
  'ENV NODE_ENV=development',
  'COPY tsconfig.json ./',
  'COPY src/ ./src/',
  'RUN npm ci --ignore-scripts && \\',
  '    npm run build && \\',
  '    npm prune --omit=dev',
  '',
  'FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS runtime',
  'ARG APP_USER',
  'ARG APP_UID=10001',
  'ARG BUILD_REVISION=0000000',
  'LABEL org.opencontainers.image.title="plan-bench-api" \\',
  '      org.opencontainers.image.revision="${BUILD_REVISION}" \\',
  '      org.opencontainers.image.licenses="Apache-2.0"',
  'ENV APP_HOME=/srv/app \\',
  '    APP_PORT=8080 \\',
  '    APP_USER=${APP_USER} \\',
  '    NODE_ENV=production',
  'ENV PATH=${APP_HOME}/bin:${PATH} \\',
  '    LOG_DIR=${APP_HOME}/log \\',
  '    CONFIG_FILE=${APP_HOME}/config/app.yaml',
  'RUN apt-get update && \\',
  '    apt-get install -y --no-install-recommends \\',
];

/** Debian packages for the runtime stage's install list; as many are used as fill the file to 100 lines. */
const PACKAGES = [
  'ca-certificates', 'curl', 'dumb-init', 'fontconfig', 'git', 'gnupg', 'iproute2', 'iputils-ping', 'jq', 'less',
  'libssl3', 'locales', 'netbase', 'openssh-client', 'procps', 'python3-minimal', 'ripgrep', 'tini', 'tzdata', 'unzip',
  'wget', 'xz-utils', 'zip', 'zstd',
];

const TAIL = [
  '    rm -rf /var/lib/apt/lists/*',
  'RUN groupadd --system --gid ${APP_UID} ${APP_USER} && \\',
  '    useradd --system --uid ${APP_UID} --gid ${APP_UID} \\',
  '      --home-dir ${APP_HOME} --shell /usr/sbin/nologin ${APP_USER}',
  'WORKDIR ${APP_HOME}',
  'COPY --from=deps /app/node_modules ./node_modules',
  'COPY --from=build /app/dist ./dist',
  'COPY --from=sidecar /out/sidecar ./bin/sidecar',
  'COPY --chown=${APP_USER}:${APP_USER} config/ ./config/',
  'COPY --chmod=0755 scripts/entrypoint.sh ./bin/entrypoint.sh',
  'RUN mkdir -p "${LOG_DIR}" && \\',
  '    chown -R ${APP_USER}:${APP_USER} "${LOG_DIR}" && \\',
  '    sed -i "s/__PORT__/${APP_PORT}/" "${CONFIG_FILE}"',
  MARKER_LINE,
  'USER ${APP_USER}',
  'EXPOSE ${APP_PORT}',
  'HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \\',
  '    CMD curl -fsS "http://127.0.0.1:${APP_PORT}/healthz" || exit 1',
  'STOPSIGNAL SIGTERM',
  'ENTRYPOINT ["/usr/bin/tini", "--", "./bin/entrypoint.sh"]',
  'CMD ["node", "dist/server.js"]',
];

/** Builds the fixture Dockerfile: always the same text, exactly {@link FIXTURE_LINES} lines. */
export function fixtureDockerfile(): string {
  const room = FIXTURE_LINES - HEAD.length - TAIL.length;
  if (room < 1 || room > PACKAGES.length) throw new Error(`the fixture cannot be filled to ${FIXTURE_LINES} lines (room for ${room} packages)`);
  const packages = PACKAGES.slice(0, room).map((name, i) => `      ${name}${i === room - 1 ? ' && \\' : ' \\'}`);
  return [...HEAD, ...packages, ...TAIL].join('\n') + '\n';
}

/** The fixture with its marker comment replaced by `# build id: <id>`: same length in lines, different text. */
export function variantDockerfile(text: string, id: string): string {
  return text.replace(MARKER_LINE, `# build id: ${id}`);
}

/** The build context the fixture's COPY sources name, as path and content. */
export function fixtureContextFiles(): Array<{ path: string; content: string }> {
  return [
    { path: 'package.json', content: '{"name":"plan-bench-api","version":"1.0.0","private":true,"scripts":{"build":"tsc -p ."}}\n' },
    { path: 'package-lock.json', content: '{"name":"plan-bench-api","version":"1.0.0","lockfileVersion":3,"packages":{}}\n' },
    { path: 'tsconfig.json', content: '{"compilerOptions":{"outDir":"dist","module":"nodenext"},"include":["src"]}\n' },
    { path: 'src/server.ts', content: 'import { createServer } from "node:http";\ncreateServer((_q, s) => s.end("ok")).listen(8080);\n' },
    { path: 'src/routes/health.ts', content: 'export const health = () => ({ ok: true });\n' },
    { path: 'sidecar/go.mod', content: 'module example.com/sidecar\n\ngo 1.23\n' },
    { path: 'sidecar/go.sum', content: '' },
    { path: 'sidecar/cmd/sidecar/main.go', content: 'package main\n\nfunc main() {}\n' },
    { path: 'config/app.yaml', content: 'port: __PORT__\nlog_level: info\n' },
    { path: 'scripts/entrypoint.sh', content: '#!/bin/sh\nexec "$@"\n' },
  ];
}
