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
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["serve"]
