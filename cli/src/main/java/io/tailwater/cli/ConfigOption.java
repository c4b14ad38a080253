package io.tailwater.cli;

import io.tailwater.config.ConfigLoader;
import io.tailwater.config.StreamConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --config} option shared by the commands that work on a stream. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The stream's YAML config file. ${ENV_VAR} in it is replaced from the environment.")
    Path file;

    StreamConfig load() {
        return new ConfigLoader().load(file);
    }
}
