package io.tailwater.tests.faults;

import io.tailwater.embedded.LocalPorts;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A Kafka broker in its own JVM ({@code kafka.Kafka}, KRaft, broker and controller in one), from
 * the Maven jars the project already has, with its storage formatted here. It can be killed with
 * SIGKILL and started again on the same ports and data.
 */
final class KafkaBrokerProcess implements AutoCloseable {
    private final Path dir;
    private final Path properties;
    private final int port;
    private Process process;

    private KafkaBrokerProcess(Path dir, Path properties, int port) {
        this.dir = dir;
        this.properties = properties;
        this.port = port;
    }

    static KafkaBrokerProcess start(Path dir) throws Exception {
        int port = LocalPorts.free();
        int controller = LocalPorts.free();
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + data,
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.flush.interval.messages=1", // a SIGKILL loses nothing acknowledged: one broker, no replicas to recover from
                "") + "\n");
        List<String> format = new ArrayList<>(java());
        format.addAll(List.of("kafka.tools.StorageTool", "format", "-t", UUID.randomUUID().toString().replace("-", "").substring(0, 22),
                "-c", props.toString()));
        Process f = new ProcessBuilder(format).redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!f.waitFor(120, TimeUnit.SECONDS) || f.exitValue() != 0) {
            throw new IllegalStateException("formatting the Kafka storage failed:\n" + Files.readString(dir.resolve("format.log")));
        }
        KafkaBrokerProcess broker = new KafkaBrokerProcess(dir, props, port);
        broker.startProcess();
        broker.awaitListening();
        return broker;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** SIGKILL: no shutdown, no flush beyond what the broker already wrote. */
    synchronized void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    synchronized void startProcess() throws IOException {
        List<String> command = new ArrayList<>(java());
        command.add("-Xmx512m");
        command.addAll(List.of("kafka.Kafka", properties.toString()));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
    }

    void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the Kafka broker did not listen on " + port + "; see " + dir.resolve("broker.log"));
    }

    /**
     * The JVM and class path of the launcher's own jars (cli/target), which hold Kafka's server,
     * and its logging config (warnings only).
     */
    static List<String> java() {
        Path target = TailwaterProcess.repo().resolve("cli/target");
        try (var jars = Files.list(target)) {
            String cli = jars.filter(p -> p.getFileName().toString().matches("tailwater-cli-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no tailwater-cli jar in " + target + "; build the cli module first"))
                    .toString();
            return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cli + ":" + target.resolve("lib") + "/*");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }


    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
