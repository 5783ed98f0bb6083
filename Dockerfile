# The engine image: one `percolator` binary; the role is chosen by the command (serve --role ..., agents run).
# tests/integration/docker-image.test.ts lays out the final stage's files as the COPY lines below say and starts
# `percolator serve` from them, so what the image needs at run time must be copied here.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

# The web console (ui/dist), served by the api role.
FROM node:20-bookworm-slim AS ui
WORKDIR /app/ui
COPY ui/package.json ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY ui ./
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=ui /app/ui/dist ./ui/dist
COPY package.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY topics ./topics
# Postgres migrations, applied at start-up and by `percolator migrate` (the Helm chart's pre-install Job).
COPY migrations ./migrations
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/percolator.js"]
CMD ["serve"]
