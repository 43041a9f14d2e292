# The gateway, built from this repository: Maven in the first stage, a slim JRE and a non-root user
# in the second. Used by docker-compose.yml (two gateways on one Redis).
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src/main src/main
# The tests need redis-server and real sockets: they run with ./build.sh test, not in an image build.
RUN mvn -B -q package -Dmaven.test.skip=true

FROM eclipse-temurin:25-jre
# curl for the health check; a system user with no login and no home to write to
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin gateway
COPY --from=build /src/target/gateway.jar /app/gateway.jar
USER gateway
EXPOSE 7171
# Out of memory, the JVM exits and the restart policy starts a fresh one, instead of living on unable to answer.
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/gateway.jar"]
