package io.github.dbosspring.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.support.QueueWorker;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A worker JVM of the queue benchmark, driven by one-line commands on standard input and
 * answering on standard output with lines that start with {@value #PREFIX} (everything
 * else there is log output). It answers {@code IDLE} once the JVM runs.
 *
 * <ul>
 * <li>{@code CONTEXT --key=value ...} closes the running application, if any, and starts
 * {@link NoOpWorkflowApplication} with its queue worker and these properties (and those
 * given on the command line); answers {@code READY}. The JVM, and so what the JIT
 * compiled, outlives the applications: one JVM serves several worker layouts.</li>
 * <li>With {@code --bench.hold=true} the queue worker is stopped as soon as the application
 * has started, so that jobs can be enqueued while nobody drains them; {@code START} then
 * starts it (as a freshly started worker: it looks at its queue at once), {@code STOP}
 * stops it and closes the pool's idle connections, so that their server processes publish
 * their statistics.</li>
 * <li>{@code CLOSE} closes the application (all its connections); {@code EXIT}, or the
 * end of standard input, ends the JVM.</li>
 * </ul>
 * Answers to {@code START} and {@code STOP} carry the CPU time this JVM has used so far, all
 * threads included.
 *
 * @since 0.2.0
 */
public final class QueueWorkerProcess {

	/** Marks the lines of the protocol on standard output. */
	static final String PREFIX = "@bench ";

	private final List<String> baseArguments;

	private @Nullable ConfigurableApplicationContext context;

	private QueueWorkerProcess(String[] args) {
		this.baseArguments = List.of(args);
	}

	public static void main(String[] args) throws Exception {
		new QueueWorkerProcess(args).serve();
	}

	private void serve() throws Exception {
		answer("IDLE pid=" + ProcessHandle.current().pid());
		BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String line;
		while ((line = commands.readLine()) != null) {
			String[] words = line.trim().split("\\s+");
			switch (words[0]) {
				case "CONTEXT" -> {
					close();
					start(Arrays.copyOfRange(words, 1, words.length));
					answer("READY");
				}
				case "START" -> {
					long cpu = cpuNanos();
					QueueWorker worker = worker();
					worker.start();
					// like a worker that has just started: look at the queue now, not at its next poll
					worker.wake(property("bench.queue"));
					answer("STARTED cpu=" + cpu);
				}
				case "STOP" -> {
					long cpu = cpuNanos();
					QueueWorker worker = worker();
					worker.stop();
					evict();
					answer("STOPPED cpu=" + cpu + " running=" + worker.getRunningJobs());
				}
				case "CLOSE" -> {
					close();
					answer("CLOSED");
				}
				case "EXIT" -> {
					close();
					answer("EXITED");
					System.exit(0);
				}
				default -> answer("UNKNOWN " + line);
			}
		}
		close();
		System.exit(0);
	}

	private void start(String[] extra) throws InterruptedException {
		List<String> args = new ArrayList<>(this.baseArguments);
		args.addAll(List.of(extra));
		ConfigurableApplicationContext started = new SpringApplicationBuilder(NoOpWorkflowApplication.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.run(args.toArray(String[]::new));
		this.context = started;
		QueueWorker worker = worker();
		if (started.getEnvironment().getProperty("bench.hold", Boolean.class, false)) {
			worker.stop();
			evict();
		}
		else if (started.getEnvironment().getProperty("dbos.worker.notifications", Boolean.class, true)) {
			awaitListening(worker);
		}
	}

	private void close() {
		ConfigurableApplicationContext running = this.context;
		this.context = null;
		if (running != null) {
			running.close();
		}
	}

	private ConfigurableApplicationContext context() {
		ConfigurableApplicationContext running = this.context;
		if (running == null) {
			throw new IllegalStateException("No application: send CONTEXT first");
		}
		return running;
	}

	private QueueWorker worker() {
		return context().getBean(QueueWorker.class);
	}

	private String property(String name) {
		return context().getEnvironment().getRequiredProperty(name);
	}

	private static void awaitListening(QueueWorker worker) throws InterruptedException {
		long deadline = System.nanoTime() + 30_000_000_000L;
		while (!worker.isListening()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("The worker's notification listener did not connect within 30s");
			}
			Thread.sleep(5);
		}
	}

	private void evict() {
		HikariPoolMXBean bean = context().getBean(HikariDataSource.class).getHikariPoolMXBean();
		if (bean != null) {
			bean.softEvictConnections();
		}
	}

	private static long cpuNanos() {
		if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
			return os.getProcessCpuTime();
		}
		return -1;
	}

	private static void answer(String line) {
		System.out.println(PREFIX + line);
		System.out.flush();
	}

}
