# nsguard: the TypeScript sources are compiled to JavaScript in a build stage, and the image runs the
# JavaScript. (`npm start` and the tests run the sources directly, through Node's type stripping.) Running
# compiled code spares the type stripper at start: 0.2 s less to ready and about 25 MiB less RSS, which
# the stripper's WebAssembly memory kept for good (docs/decisions/0007-compiled-image.md).
# The major version matches the Node pinned in package.json; test/install/dockerfile.test.ts checks it.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# Every dependency, the compiler included; no install script is needed (the `node` devDependency's would
# fetch a second Node, and the image's own runs the compiler).
RUN npm ci --ignore-scripts
COPY src ./src
# The compiler through the image's node, not `npm run`: without its install script the `node`
# devDependency leaves no usable binary on the PATH npm run would put first.
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, exactly as locked; no install scripts are needed by any of them.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# The image's `node` user, by number so the kubelet can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8443
# Semi-spaces of 8 MiB instead of V8's default 16 MiB, which the young generation grows to under a
# steady stream of requests and keeps: each request's garbage dies young anyway. Measured on a small
# state: RSS after a load run 177 MiB instead of 276, garbage collection about half a percent more of
# one core. `npm start` and `npm run bench` use the same flags (bench/spawn-server.ts reads this line).
ENTRYPOINT ["node", "--max-semi-space-size=8", "dist/cli/main.js"]
CMD ["serve"]
