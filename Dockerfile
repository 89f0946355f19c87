# One image for all Flotilla apps; choose the app with APP (batch-orchestrator | update-resolver | admin-gateway | cli).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run-many -t build --outputStyle=static && npm prune --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/tools/register-paths.js ./tools/register-paths.js
COPY --from=build /app/tsconfig.base.json ./tsconfig.base.json
USER node
ENV APP=admin-gateway
CMD ["sh", "-c", "exec node -r ./tools/register-paths.js dist/apps/$APP/src/main.js"]
