package io.github.dbosspring.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real JVM running a test main class on the test classpath, for crash tests that must
 * kill a process ({@code kill -9}), not simulate it. Its output goes to a log file under
 * {@code target/child-jvms}.
 */
public final class ChildJvm implements AutoCloseable {

	private final Process process;

	private final Path log;

	private ChildJvm(Process process, Path log) {
		this.process = process;
		this.log = log;
	}

	/**
	 * Starts {@code mainClass} with the given program arguments.
	 * @param name a name for the log file
	 * @param mainClass the class to run
	 * @param args program arguments (such as {@code --spring.datasource.url=...})
	 * @return the running JVM
	 */
	public static ChildJvm start(String name, Class<?> mainClass, String... args) {
		String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx256m");
		command.add("-XX:TieredStopAtLevel=1");
		command.add("-Xshare:auto");
		command.add("-cp");
		command.add(classpath);
		command.add(mainClass.getName());
		command.addAll(List.of(args));
		try {
			Path directory = Files.createDirectories(Path.of("target", "child-jvms"));
			Path log = directory.resolve(name + ".log");
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
				.start();
			return new ChildJvm(process, log);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Waits until the log contains a line, or the process exits, or the timeout passes.
	 * @return whether the line appeared
	 */
	public boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (output().contains(text)) {
				return true;
			}
			if (!this.process.isAlive()) {
				return output().contains(text);
			}
			Thread.sleep(20);
		}
		return false;
	}

	public String output() {
		try {
			return Files.readString(this.log);
		}
		catch (IOException ex) {
			return "";
		}
	}

	/** The JVM's process ID. */
	public long pid() {
		return this.process.pid();
	}

	/**
	 * Sends a signal with {@code kill}, such as {@code STOP} to freeze the JVM and
	 * {@code CONT} to thaw it.
	 * @param name the signal's name, without {@code SIG}
	 */
	public void signal(String name) throws IOException, InterruptedException {
		Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
		if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
			throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
		}
	}

	/** {@code kill -9}: the JVM gets no chance to clean up. */
	public void kill() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor(30, TimeUnit.SECONDS);
	}

	public boolean waitForExit(Duration timeout) throws InterruptedException {
		return this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	public boolean isAlive() {
		return this.process.isAlive();
	}

	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			kill();
		}
	}

}
