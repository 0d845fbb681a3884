/**
 * The build benchmark's workload: ten steps over the Debian bookworm minbase that need no network
 * (files and directories made by shell loops, ENV, WORKDIR, about 1,000 small files, `dpkg -l`, a
 * user, a tarball), as Kiln's declarative `steps` and as the Dockerfile they are written as.
 */

/** The builtin base both sides start from (in Kiln's image store). */
export const BENCH_BASE = 'kiln/debian:bookworm';

/** The name the peer's buildah storage holds the same image under (buildah finds a local image only by its full name). */
export const PEER_BASE = 'localhost/kiln/debian:bookworm';

/** The ten steps, in Kiln's declarative form. */
export const BENCH_STEPS: ReadonlyArray<Record<string, unknown>> = [
  { type: 'env', envs: { APP_HOME: '/srv/app', LANG: 'C.UTF-8' } },
  { type: 'workdir', path: '/srv/app' },
  { type: 'run', command: 'mkdir -p data/small data/blobs logs && for i in $(seq 1 100); do mkdir -p tree/d$i/sub; done' },
  { type: 'run', command: 'for i in $(seq 1 1000); do echo "file $i" > data/small/f$i.txt; done' },
  { type: 'run', command: 'dpkg -l > packages.txt && wc -l packages.txt' },
  { type: 'run', command: "for i in $(seq 1 100); do head -c 65536 /dev/zero | tr '\\0' x > data/blobs/b$i; done" },
  { type: 'env', envs: { BUILD_STAGE: 'assembled' } },
  { type: 'run', command: 'useradd --create-home --uid 1000 app && chown -R app:app /srv/app' },
  { type: 'run', command: 'tar -czf /srv/app.tgz -C /srv/app data && sha256sum /srv/app.tgz > /srv/app.sha256' },
  { type: 'run', command: 'ln -s /srv/app/packages.txt /etc/app-packages && echo "$BUILD_STAGE" > /srv/app/READY' },
];

/** The same ten steps as a Dockerfile `FROM from` (exactly the text Kiln generates from {@link BENCH_STEPS}). */
export function benchDockerfile(from: string): string {
  return [
    `FROM ${from}`,
    'ENV APP_HOME="/srv/app" LANG="C.UTF-8"',
    'WORKDIR /srv/app',
    'RUN mkdir -p data/small data/blobs logs && for i in $(seq 1 100); do mkdir -p tree/d$i/sub; done',
    'RUN for i in $(seq 1 1000); do echo "file $i" > data/small/f$i.txt; done',
    'RUN dpkg -l > packages.txt && wc -l packages.txt',
    "RUN for i in $(seq 1 100); do head -c 65536 /dev/zero | tr '\\0' x > data/blobs/b$i; done",
    'ENV BUILD_STAGE="assembled"',
    'RUN useradd --create-home --uid 1000 app && chown -R app:app /srv/app',
    'RUN tar -czf /srv/app.tgz -C /srv/app data && sha256sum /srv/app.tgz > /srv/app.sha256',
    'RUN ln -s /srv/app/packages.txt /etc/app-packages && echo "$BUILD_STAGE" > /srv/app/READY',
    '',
  ].join('\n');
}

/** The files the finished root filesystem must hold, with their exact content, on either side. */
export const EXPECTED_FILES: Readonly<Record<string, string>> = {
  'srv/app/READY': 'assembled\n',
  'srv/app/data/small/f1000.txt': 'file 1000\n',
};
