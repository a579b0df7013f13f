# syntax=docker/dockerfile:1
# Latchkey: multi-stage, runs as a non-root user, with a HEALTHCHECK.
# (Docker does not run on the development machines; this file is kept correct by reading.)

FROM node:24-bookworm-slim AS deps
WORKDIR /app
# bcrypt ships prebuilt binaries; the toolchain is only a fallback for other platforms.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY config ./config
COPY server ./server
COPY views ./views
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Node 24 runs the TypeScript sources directly (type stripping); no build step.
CMD ["node", "server/main.ts"]
