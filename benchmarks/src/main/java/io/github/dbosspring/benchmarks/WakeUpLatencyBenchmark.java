package io.github.dbosspring.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowOptions;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Measures how soon a waiting reader wakes up when what it waits for is written: a
 * {@code getEvent} caller when the workflow sets the event, and a workflow in
 * {@code recv} when a message is sent to it.
 *
 * <p>Every sample lets the reader wait {@code bench.wakeup.wait} (default 300ms) first, so
 * that its polling fallback has backed off to its longest pause (200 ms) and only a
 * notification can wake it sooner. The latency is from just before the writing call
 * ({@code setEvent} in the workflow, {@code send} from the caller) to the reader's return,
 * both taken with {@link System#nanoTime()} in this JVM; the notification itself goes
 * through the database ({@code pg_notify} in the writing statement, delivered to the
 * engine's listening connection), exactly as it would between two processes.
 *
 * <p>Configured by system properties {@code bench.wakeup.rounds} (default 3),
 * {@code bench.wakeup.samples} (per kind and round, default 100),
 * {@code bench.wakeup.warmup-samples} (default 20) and {@code bench.wakeup.wait}, and
 * the environment variable {@code DBOS_BENCH_JDBC_URL}. The first argument is the
 * results directory.
 *
 * @since 0.2.0
 */
public final class WakeUpLatencyBenchmark {

	static final String DATABASE_NAME = "dbos_bench_wakeup";

	private static final Map<String, Long> readAt = new ConcurrentHashMap<>();

	private static final Map<String, Long> writtenAt = new ConcurrentHashMap<>();

	private WakeUpLatencyBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Path results = Path.of(args.length > 0 ? args[0] : "results");
		int rounds = Integer.getInteger("bench.wakeup.rounds", 3);
		int samples = Integer.getInteger("bench.wakeup.samples", 100);
		int warmup = Integer.getInteger("bench.wakeup.warmup-samples", 20);
		Duration wait = DurationStyle.detectAndParse(System.getProperty("bench.wakeup.wait", "300ms"));
		String serverUrl = System.getenv().getOrDefault(StepOverheadBenchmark.SERVER_URL_VARIABLE,
				StepOverheadBenchmark.DEFAULT_SERVER_URL);
		ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC).withNano(0);
		Map<String, List<double[]>> byKind = new LinkedHashMap<>();
		String serverVersion;
		try (BenchmarkDatabase database = BenchmarkDatabase.recreate(serverUrl, DATABASE_NAME)) {
			serverVersion = database.serverVersion();
			try (ConfigurableApplicationContext context = new SpringApplicationBuilder(WakeUpApplication.class)
				.web(WebApplicationType.NONE)
				.bannerMode(Banner.Mode.OFF)
				.properties("spring.datasource.url=" + database.url(), "spring.datasource.hikari.maximum-pool-size=10",
						"logging.level.root=WARN", "dbos.worker.enabled=false")
				.run()) {
				Dbos dbos = context.getBean(Dbos.class);
				WakeUpWorkflows workflows = context.getBean(WakeUpWorkflows.class);
				measure(dbos, workflows, "warm-up", warmup, wait);
				for (int round = 1; round <= rounds; round++) {
					for (Map.Entry<String, double[]> kind : measure(dbos, workflows, "r" + round, samples, wait)
						.entrySet()) {
						byKind.computeIfAbsent(kind.getKey(), (key) -> new ArrayList<>()).add(kind.getValue());
						log(String.format(Locale.ROOT, "round %d/%d %-8s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms",
								round, rounds, kind.getKey(), LatencyRound.percentile(kind.getValue(), 50),
								LatencyRound.percentile(kind.getValue(), 99),
								kind.getValue()[kind.getValue().length - 1]));
					}
				}
			}
		}
		String markdown = report(started, serverVersion, rounds, samples, wait, byKind);
		System.out.println();
		System.out.println(markdown);
		Files.createDirectories(results);
		Files.writeString(results.resolve("wakeup-latest.md"), markdown);
		Files.writeString(results.resolve("wakeup-latest.csv"), csv(byKind));
	}

	private static Map<String, double[]> measure(Dbos dbos, WakeUpWorkflows workflows, String prefix, int samples,
			Duration wait) throws Exception {
		double[] events = new double[samples];
		double[] messages = new double[samples];
		for (int i = 0; i < samples; i++) {
			String eventWorkflow = "event-" + prefix + "-" + i;
			dbos.start(WorkflowOptions.withId(eventWorkflow), () -> workflows.publish(eventWorkflow, wait.toMillis()));
			Integer value = dbos.getEvent(eventWorkflow, "ready", Integer.class, Duration.ofSeconds(30)).orElseThrow();
			long read = System.nanoTime();
			events[i] = millis(writtenAt.remove(eventWorkflow), read);
			if (value != 1) {
				throw new IllegalStateException("Unexpected event value " + value);
			}

			String messageWorkflow = "message-" + prefix + "-" + i;
			WorkflowHandle<Integer> receiver = dbos.start(WorkflowOptions.withId(messageWorkflow),
					() -> workflows.receive(messageWorkflow));
			Thread.sleep(wait.toMillis());
			long sent = System.nanoTime();
			dbos.send(messageWorkflow, 1, "go");
			receiver.getResult(Duration.ofSeconds(30));
			messages[i] = millis(sent, readAt.remove(messageWorkflow));
		}
		Map<String, double[]> result = new LinkedHashMap<>();
		result.put("getEvent", sorted(events));
		result.put("recv", sorted(messages));
		return result;
	}

	private static double millis(long from, long to) {
		return (to - from) / 1_000_000.0;
	}

	private static double[] sorted(double[] values) {
		double[] copy = values.clone();
		java.util.Arrays.sort(copy);
		return copy;
	}

	private static String report(ZonedDateTime started, String serverVersion, int rounds, int samples, Duration wait,
			Map<String, List<double[]>> byKind) {
		StringBuilder out = new StringBuilder();
		out.append("## Wake-up latency of getEvent and recv\n\n");
		out.append("Run ").append(started).append(", ").append(Runtime.getRuntime().availableProcessors())
			.append(" cores, Java ").append(System.getProperty("java.version")).append(", ").append(serverVersion)
			.append(".\n");
		out.append(String.format(Locale.ROOT,
				"%d rounds of %d samples per kind; each reader waited %s before the write (polling fallback at its "
						+ "200 ms pause). Latency: writing call start -> reader returns, ms; median over rounds "
						+ "[min-max].%n%n",
				rounds, samples, DurationStyle.SIMPLE.print(wait)));
		out.append("| Reader | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|\n");
		for (Map.Entry<String, List<double[]>> kind : byKind.entrySet()) {
			out.append("| `").append(kind.getKey()).append("` | ");
			out.append(cell(kind.getValue(), 50)).append(" | ").append(cell(kind.getValue(), 90)).append(" | ");
			out.append(cell(kind.getValue(), 99)).append(" | ").append(cell(kind.getValue(), 100)).append(" |\n");
		}
		return out.toString();
	}

	private static String cell(List<double[]> rounds, double percent) {
		List<Double> values = rounds.stream().map((sorted) -> LatencyRound.percentile(sorted, percent)).toList();
		Spread spread = Spread.of(values);
		return String.format(Locale.ROOT, "%.2f [%.2f-%.2f]", spread.median(), spread.min(), spread.max());
	}

	private static String csv(Map<String, List<double[]>> byKind) {
		StringBuilder out = new StringBuilder("reader,round,p50_ms,p90_ms,p99_ms,max_ms\n");
		byKind.forEach((kind, rounds) -> {
			for (int round = 0; round < rounds.size(); round++) {
				double[] sorted = rounds.get(round);
				out.append(String.format(Locale.ROOT, "%s,%d,%.3f,%.3f,%.3f,%.3f%n", kind, round + 1,
						LatencyRound.percentile(sorted, 50), LatencyRound.percentile(sorted, 90),
						LatencyRound.percentile(sorted, 99), sorted[sorted.length - 1]));
			}
		});
		return out.toString();
	}

	private static void log(String message) {
		System.out.println("[wake-up] " + message);
	}

	/**
	 * The application: the starter and the two waiting workflows.
	 */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	public static class WakeUpApplication {

		@Bean
		WakeUpWorkflows wakeUpWorkflows() {
			return new WakeUpWorkflows();
		}

	}

	/**
	 * A workflow that sets an event after a pause, and one that waits for a message.
	 */
	public static class WakeUpWorkflows {

		@Workflow(name = "wake-up-publish")
		public void publish(String workflowId, long pauseMillis) throws InterruptedException {
			Thread.sleep(pauseMillis);
			writtenAt.put(workflowId, System.nanoTime());
			Dbos.setEvent("ready", 1);
		}

		@Workflow(name = "wake-up-receive")
		public int receive(String workflowId) {
			int value = Dbos.recv("go", Integer.class, Duration.ofSeconds(30)).orElseThrow();
			readAt.put(workflowId, System.nanoTime());
			return value;
		}

	}

}
