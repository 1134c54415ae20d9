# fleetcast image: every service of docker-compose.yml runs `fleetcast <command>` from it.
FROM node:20-slim

WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY samples ./samples
# npm ci also compiles the TypeScript (the `prepare` script).
RUN npm ci --no-audit --no-fund && chown -R node:node /app

USER node
EXPOSE 8787 1883 9464
ENTRYPOINT ["node", "bin/fleetcast.js"]
CMD ["--help"]
