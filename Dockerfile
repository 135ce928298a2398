# syntax=docker/dockerfile:1
# One image recipe for every service:  docker build --build-arg SERVICE=inbox-service -t pullmail/inbox-service .
# SERVICE is one of gateway, outbox-service, notifier-service, inbox-service, smtp-bridge.

FROM eclipse-temurin:17-jdk AS build
ARG SERVICE=gateway
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -DskipTests -pl "${SERVICE}" -am package \
 && java -Djarmode=tools -jar "${SERVICE}"/target/"${SERVICE}"-*-exec.jar extract --layers --launcher --destination /layers

FROM eclipse-temurin:17-jre
ARG SERVICE=gateway
# curl for the container healthcheck; a fixed non-root user the orchestrators can rely on
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 pullmail && useradd --system --uid 10001 --gid pullmail --no-create-home pullmail
WORKDIR /app
# least-changing layers first, so an application change ships only the last one
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER 10001:10001
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    SERVICE=${SERVICE}
LABEL org.opencontainers.image.title="pullmail-${SERVICE}" \
      org.opencontainers.image.source="https://pullmail.org"
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
