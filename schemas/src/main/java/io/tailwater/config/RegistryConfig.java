package io.tailwater.config;

import java.time.Duration;
import java.util.Optional;

/**
 * How to reach the schema registry (any server speaking the Confluent REST API).
 *
 * @param url base URL, for example {@code http://localhost:8081} or Apicurio's {@code .../apis/ccompat/v7}
 * @param user basic-auth user, if the registry requires one
 * @param password basic-auth password
 * @param truststore path of a PKCS12/JKS truststore for TLS, if the JVM default is not enough
 * @param truststorePassword the truststore's password
 * @param timeout how long a call may retry before it fails
 */
public record RegistryConfig(String url, Optional<String> user, Secret password,
                             Optional<String> truststore, Secret truststorePassword, Duration timeout) {
}
