# nsguard: Node.js runs the TypeScript sources directly (type stripping), so there is no compile step.
# The major version matches the Node pinned in package.json; test/install/dockerfile.test.ts checks it.

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
COPY src ./src
# The image's `node` user, by number so the kubelet can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8443
# Semi-spaces of 8 MiB instead of V8's default 16 MiB, which the young generation grows to under a
# steady stream of requests and keeps: each request's garbage dies young anyway. Measured on a small
# state: RSS after a load run 177 MiB instead of 276, garbage collection about half a percent more of
# one core. `npm start` and `npm run bench` use the same flags (bench/spawn-server.ts reads this line).
ENTRYPOINT ["node", "--max-semi-space-size=8", "src/cli/main.ts"]
CMD ["serve"]
