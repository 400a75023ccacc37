package io.github.dbosspring.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link QueueWorkerProcess} in a JVM of its own, started with this JVM's classpath.
 * Its output goes to a log file; the protocol lines are handed to {@link #await}.
 *
 * @since 0.2.0
 */
final class WorkerJvm implements AutoCloseable {

	static final List<String> JVM_OPTIONS = List.of("-Xms256m", "-Xmx256m");

	private final String name;

	private final Process process;

	private final Path log;

	private final PrintWriter commands;

	private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

	private WorkerJvm(String name, Process process, Path log) {
		this.name = name;
		this.process = process;
		this.log = log;
		this.commands = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8),
				true);
		Thread reader = new Thread(this::read, "bench-" + name + "-output");
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * Starts a worker JVM, with no application yet ({@link #startApplication}).
	 * @param name its name (log file)
	 * @param logDirectory where its output goes
	 * @return the running JVM (not yet up: {@link #await} {@code IDLE})
	 */
	static WorkerJvm start(String name, Path logDirectory) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(JVM_OPTIONS);
		// extra options, such as a profiler's: -Dbench.queue.worker-jvm-args="-XX:StartFlightRecording=filename={name}.jfr"
		for (String option : System.getProperty("bench.queue.worker-jvm-args", "").trim().split("\\s+")) {
			if (!option.isEmpty()) {
				command.add(option.replace("{name}", name));
			}
		}
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(QueueWorkerProcess.class.getName());
		Files.createDirectories(logDirectory);
		Path log = logDirectory.resolve(name + ".log");
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		return new WorkerJvm(name, process, log);
	}

	String name() {
		return this.name;
	}

	/**
	 * Closes the JVM's application, if any, and starts one with these properties; does not
	 * wait for it ({@link #await} {@code READY}).
	 * @param properties application properties (values without white space)
	 */
	void startApplication(Map<String, Object> properties) {
		StringBuilder command = new StringBuilder("CONTEXT");
		properties.forEach((key, value) -> command.append(" --").append(key).append('=').append(value));
		send(command.toString());
	}

	/**
	 * Sends a command (a line on the JVM's standard input).
	 * @param command the command
	 */
	void send(String command) {
		this.commands.println(command);
		if (this.commands.checkError()) {
			throw new IllegalStateException("Worker JVM " + this.name + " does not take commands any more (exited: "
					+ !this.process.isAlive() + "); see " + this.log);
		}
	}

	/**
	 * Waits for the next answer, which must start with the given word.
	 * @param word the expected first word, such as {@code READY}
	 * @param timeout how long to wait
	 * @return the answer (without the prefix)
	 */
	String await(String word, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			String answer = this.answers.poll(100, TimeUnit.MILLISECONDS);
			if (answer != null) {
				if (!answer.startsWith(word)) {
					throw new IllegalStateException("Worker JVM " + this.name + " answered '" + answer + "' instead of "
							+ word + "; see " + this.log);
				}
				return answer;
			}
			if (!this.process.isAlive() && this.answers.isEmpty()) {
				Thread.sleep(200);
				if (this.answers.isEmpty()) {
					throw new IllegalStateException("Worker JVM " + this.name + " exited with " + this.process.exitValue()
							+ " while " + word + " was awaited; its output (" + this.log + "):\n" + tail());
				}
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Worker JVM " + this.name + " did not answer " + word + " within "
						+ timeout + "; its output (" + this.log + "):\n" + tail());
			}
		}
	}

	/**
	 * Reads a {@code key=value} field of an answer.
	 * @param answer the answer
	 * @param key the key
	 * @return the value as a number
	 */
	static long field(String answer, String key) {
		for (String part : answer.split("\\s+")) {
			if (part.startsWith(key + "=")) {
				return Long.parseLong(part.substring(key.length() + 1));
			}
		}
		throw new IllegalArgumentException("No " + key + " in '" + answer + "'");
	}

	private void read() {
		try (BufferedReader output = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8));
				Writer log = Files.newBufferedWriter(this.log, StandardCharsets.UTF_8)) {
			String line;
			while ((line = output.readLine()) != null) {
				log.write(line);
				log.write('\n');
				log.flush();
				if (line.startsWith(QueueWorkerProcess.PREFIX)) {
					this.answers.add(line.substring(QueueWorkerProcess.PREFIX.length()));
				}
			}
		}
		catch (IOException ex) {
			// the process ended
		}
	}

	private String tail() {
		try {
			List<String> lines = Files.readAllLines(this.log);
			return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
		}
		catch (IOException ex) {
			return "(no output: " + ex.getMessage() + ")";
		}
	}

	/**
	 * Asks the JVM to exit, and kills it if it does not within a few seconds.
	 */
	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			try {
				send("EXIT");
			}
			catch (IllegalStateException ex) {
				// exits anyway
			}
			if (!this.process.waitFor(15, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
				this.process.waitFor(15, TimeUnit.SECONDS);
			}
		}
		this.commands.close();
	}

}
