package io.github.dbosspring.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

import io.github.dbosspring.benchmarks.QueueBenchmark.Settings;
import io.github.dbosspring.benchmarks.StepOverheadReport.Figure;
import io.github.dbosspring.benchmarks.StepOverheadReport.RunEnvironment;

/**
 * The queue benchmark's figures (median, min and max over the rounds, each computed per
 * round against that round's raw commit), as Markdown and CSV.
 *
 * @since 0.2.0
 */
final class QueueReport {

	/** Drain throughput at or above this meets the target. */
	static final double TARGET_JOBS_PER_SECOND = 1_500;

	/** Median enqueue-to-start latency with notifications below this meets the target. */
	static final double TARGET_P50_MILLIS = 10;

	private static final DateTimeFormatter FILE_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

	private final RunEnvironment environment;

	private final Settings settings;

	private final List<Measurement> measurements;

	private final List<DrainRound> drains;

	private final List<LatencyRound> latencies;

	private final Map<String, Integer> roundsByKey = new HashMap<>();

	QueueReport(RunEnvironment environment, Settings settings, List<Measurement> measurements,
			List<DrainRound> drains, List<LatencyRound> latencies) {
		this.environment = environment;
		this.settings = settings;
		this.measurements = measurements;
		this.drains = drains;
		this.latencies = latencies;
	}

	// ------------------------------------------------------------------ figures

	/**
	 * One column of a table: a figure per row, computed per round.
	 */
	private record Column(String key, String header, String unit, RowValue value) {
	}

	@FunctionalInterface
	private interface RowValue {

		double of(String group, String phase, int round);

	}

	/**
	 * One row of a table: a phase of a part.
	 */
	private record Row(String group, String phase, String description, int rounds) {

		String key() {
			return this.phase.equals("raw") || this.group.equals("enqueue") ? this.group + "." + this.phase
					: this.group;
		}

	}

	private List<Row> enqueueRows() {
		int rounds = this.settings.iterations();
		return List.of(new Row("enqueue", "raw", "raw INSERT + commit, 1 connection (per commit)", rounds),
				new Row("enqueue", "enqueue-single", "enqueue, 1 job per transaction (dbos.enqueue)", rounds),
				new Row("enqueue", "enqueue-batch-" + this.settings.batchSize(),
						"enqueue, " + this.settings.batchSize() + " jobs per transaction (dbos.enqueueAll)", rounds));
	}

	private List<Column> enqueueColumns() {
		List<Column> columns = new ArrayList<>(List.of(
				new Column("ms_per_job", "ms per job", "ms", measured(Measurement::millisPerOperation)),
				new Column("jobs_per_s", "jobs/s", "1/s", measured(Measurement::operationsPerSecond)),
				new Column("ratio_to_raw_commit", "ms per job / one raw commit", "x",
						(group, phase, round) -> find(round, group + "/" + phase).millisPerOperation()
								/ find(round, group + "/raw").millisPerOperation()),
				new Column("cpu_ms_per_job", "client CPU ms per job", "ms",
						measured(Measurement::cpuMillisPerOperation))));
		if (hasServerCpu()) {
			columns.add(new Column("server_cpu_ms_per_job", "server CPU ms per job", "ms",
					measured(Measurement::serverCpuMillisPerOperation)));
		}
		columns.addAll(List.of(
				new Column("commits_per_job", "commits per job", "commits",
						measured(Measurement::commitsPerOperation)),
				new Column("write_transactions_per_job", "write transactions per job", "commits",
						measured(Measurement::transactionIdsPerOperation)),
				new Column("wal_bytes_per_job", "WAL bytes per job", "bytes",
						measured(Measurement::walBytesPerOperation))));
		return columns;
	}

	private List<Row> drainRows() {
		return this.settings.layouts()
			.stream()
			.map((layout) -> new Row(layout.key(), "drain", layout.description(), this.settings.drainIterations()))
			.toList();
	}

	private List<Column> drainColumns() {
		List<Column> columns = new ArrayList<>(List.of(
				new Column("raw_commit_ms", "raw commit ms", "ms",
						(group, phase, round) -> find(round, group + "/raw").millisPerOperation()),
				new Column("elapsed_s", "elapsed s", "s",
						(group, phase, round) -> find(round, group + "/" + phase).elapsedNanos() / 1e9),
				new Column("jobs_per_s", "jobs/s", "1/s", measured(Measurement::operationsPerSecond)),
				new Column("ms_per_job", "ms per job", "ms", measured(Measurement::millisPerOperation)),
				new Column("ratio_to_raw_commit", "ms per job / one raw commit", "x",
						(group, phase, round) -> find(round, group + "/" + phase).millisPerOperation()
								/ find(round, group + "/raw").millisPerOperation()),
				new Column("worker_cpu_ms_per_job", "worker CPU ms per job", "ms",
						measured(Measurement::cpuMillisPerOperation))));
		if (hasServerCpu()) {
			columns.add(new Column("server_cpu_ms_per_job", "server CPU ms per job", "ms",
					measured(Measurement::serverCpuMillisPerOperation)));
		}
		columns.addAll(List.of(
				new Column("commits_per_job", "commits per job", "commits",
						measured(Measurement::commitsPerOperation)),
				new Column("write_transactions_per_job", "write transactions per job", "commits",
						measured(Measurement::transactionIdsPerOperation)),
				new Column("wal_bytes_per_job", "WAL bytes per job", "bytes",
						measured(Measurement::walBytesPerOperation))));
		return columns;
	}

	private List<Row> latencyRows() {
		int rounds = this.settings.iterations();
		return List.of(new Row("latency-notifications", "latency", "notifications on (LISTEN/NOTIFY)", rounds),
				new Row("latency-polling", "latency", "notifications off, poll-interval 1s", rounds));
	}

	private List<Column> latencyColumns() {
		return List.of(
				new Column("raw_commit_ms", "raw commit ms", "ms",
						(group, phase, round) -> find(round, group + "/raw").millisPerOperation()),
				new Column("p50_ms", "p50 ms", "ms", latency((latency) -> latency.percentile(50))),
				new Column("p90_ms", "p90 ms", "ms", latency((latency) -> latency.percentile(90))),
				new Column("p99_ms", "p99 ms", "ms", latency((latency) -> latency.percentile(99))),
				new Column("max_ms", "max ms", "ms", latency(LatencyRound::max)),
				new Column("p50_ratio_to_raw_commit", "p50 / one raw commit", "x",
						(group, phase, round) -> latencyRound(round, group + "/" + phase).percentile(50)
								/ find(round, group + "/raw").millisPerOperation()),
				new Column("p99_ratio_to_raw_commit", "p99 / one raw commit", "x",
						(group, phase, round) -> latencyRound(round, group + "/" + phase).percentile(99)
								/ find(round, group + "/raw").millisPerOperation()));
	}

	private RowValue measured(ToDoubleFunction<Measurement> value) {
		return (group, phase, round) -> value.applyAsDouble(find(round, group + "/" + phase));
	}

	private RowValue latency(ToDoubleFunction<LatencyRound> value) {
		return (group, phase, round) -> value.applyAsDouble(latencyRound(round, group + "/" + phase));
	}

	private List<Figure> figures(List<Row> rows, List<Column> columns) {
		List<Figure> figures = new ArrayList<>();
		for (Row row : rows) {
			for (Column column : columns) {
				if (row.phase().equals("raw") && column.key().equals("ratio_to_raw_commit")) {
					continue;
				}
				figures.add(figure(row, column));
			}
		}
		return figures;
	}

	private Figure figure(Row row, Column column) {
		List<Double> values = new ArrayList<>();
		for (int round = 1; round <= row.rounds(); round++) {
			values.add(column.value().of(row.group(), row.phase(), round));
		}
		String key = row.key() + "." + column.key();
		this.roundsByKey.put(key, row.rounds());
		return new Figure(key, row.description() + ": " + column.header(), column.unit(), Spread.of(values));
	}

	List<Figure> allFigures() {
		List<Figure> figures = new ArrayList<>();
		figures.addAll(figures(enqueueRows(), enqueueColumns()));
		figures.addAll(figures(drainRows(), drainColumns()));
		figures.addAll(figures(latencyRows(), latencyColumns()));
		for (Row row : latencyRows()) {
			double[] pooled = pooled(row);
			for (double percent : new double[] { 50, 99 }) {
				double value = LatencyRound.percentile(pooled, percent);
				this.roundsByKey.put(row.key() + ".pooled_p" + (int) percent + "_ms", row.rounds());
				figures.add(new Figure(row.key() + ".pooled_p" + (int) percent + "_ms",
						row.description() + ": p" + (int) percent + " ms of all " + pooled.length + " samples pooled",
						"ms", new Spread(value, value, value)));
			}
		}
		return figures;
	}

	private double[] pooled(Row row) {
		return this.latencies.stream()
			.filter((latency) -> latency.phase().equals(row.group() + "/" + row.phase()))
			.flatMapToDouble((latency) -> Arrays.stream(latency.millis()))
			.sorted()
			.toArray();
	}

	private boolean hasServerCpu() {
		return this.measurements.stream().allMatch((measurement) -> measurement.serverCpuNanos() >= 0);
	}

	private Measurement find(int round, String key) {
		return this.measurements.stream()
			.filter((measurement) -> measurement.round() == round && measurement.phase().equals(key))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No measurement of " + key + " in round " + round));
	}

	private LatencyRound latencyRound(int round, String key) {
		return this.latencies.stream()
			.filter((latency) -> latency.round() == round && latency.phase().equals(key))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No latencies of " + key + " in round " + round));
	}

	// ------------------------------------------------------------------ Markdown

	String markdown() {
		StringBuilder md = new StringBuilder();
		md.append("## Durable queue vs. one raw commit\n\n");
		md.append(this.environment.describeRun()).append("\n\n");
		md.append("Each cell: median (min - max) over the measured rounds; every ratio is computed per round against "
				+ "the raw INSERT + commit measured at the start of that round on the same database.\n\n");

		md.append("### 1. Enqueue throughput (no worker running)\n\n");
		table(md, "Phase", enqueueRows(), enqueueColumns());

		md.append(String.format(Locale.ROOT, "%n### 2. Drain throughput: %,d pre-enqueued one-step jobs%n%n",
				this.settings.jobs()));
		table(md, "Workers", drainRows(), drainColumns());
		md.append(String.format(Locale.ROOT, "%nTarget, drain throughput >= %,.0f jobs/s:%n%n",
				TARGET_JOBS_PER_SECOND));
		for (Row row : drainRows()) {
			Spread jobs = figure(row, drainColumns().get(2)).spread();
			md.append(String.format(Locale.ROOT, "- %s: **%s** (median %.0f jobs/s, range %.0f - %.0f)%n",
					row.description(), (jobs.median() >= TARGET_JOBS_PER_SECOND) ? "met" : "not met", jobs.median(),
					jobs.min(), jobs.max()));
		}
		md.append("\nJobs per worker JVM, per round: ");
		md.append(String.join("; ", this.drains.stream()
			.filter((drain) -> this.settings.layouts()
				.stream()
				.anyMatch((layout) -> layout.jvms() > 1 && drain.measurement().phase().startsWith(layout.key() + "/")))
			.map((drain) -> drain.measurement().phase().replace("/drain", "") + " round "
					+ drain.measurement().round() + " " + drain.jobsPerWorker())
			.toList()));
		md.append("\n");

		md.append(String.format(Locale.ROOT,
				"%n### 3. Enqueue-to-start latency (idle worker JVM, %d jobs per round enqueued one at a time from "
						+ "another JVM)%n%n",
				this.settings.latencySamples()));
		table(md, "Worker", latencyRows(), latencyColumns());
		md.append("\n");
		for (Row row : latencyRows()) {
			double[] pooled = pooled(row);
			md.append(String.format(Locale.ROOT, "- %s, all %d samples pooled: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
					row.description(), pooled.length, LatencyRound.percentile(pooled, 50),
					LatencyRound.percentile(pooled, 99), pooled[pooled.length - 1]));
		}
		Spread p50 = figure(latencyRows().get(0), latencyColumns().get(1)).spread();
		md.append(String.format(Locale.ROOT,
				"%nTarget, enqueue-to-start p50 < %.0f ms with notifications: **%s** (median %.2f ms, range %.2f - "
						+ "%.2f ms).%n%n",
				TARGET_P50_MILLIS, (p50.median() < TARGET_P50_MILLIS) ? "met" : "not met", p50.median(), p50.min(),
				p50.max()));

		md.append("Definitions:\n\n");
		md.append("- ms per job = elapsed / jobs; for a drain, elapsed is max(completed_at) - min(started_at) of the "
				+ "round's jobs in dbos.workflow_status (database clock), from the first dequeue to the last "
				+ "completion.\n");
		md.append("- commits per job: transactions committed in the benchmark database per job, read-only ones "
				+ "included; write transactions per job: transaction IDs assigned per job (whole server).\n");
		md.append("- client CPU: the enqueuing thread; worker CPU: the whole worker JVMs (all threads, GC and JIT "
				+ "included); server CPU: the PostgreSQL processes serving the benchmark database.\n");
		md.append("- latency = started_at - created_at (database clock): from the enqueue's INSERT to the "
				+ "dequeue's UPDATE, so it includes the enqueue's commit.\n\n");
		md.append("Environment:\n\n");
		for (Map.Entry<String, String> entry : this.environment.describe().entrySet()) {
			md.append("- ").append(entry.getKey()).append(": ").append(entry.getValue()).append('\n');
		}
		return md.toString();
	}

	private void table(StringBuilder md, String first, List<Row> rows, List<Column> columns) {
		md.append("| ").append(first);
		for (Column column : columns) {
			md.append(" | ").append(column.header());
		}
		md.append(" |\n|---|");
		md.append("---:|".repeat(columns.size()));
		md.append('\n');
		for (Row row : rows) {
			md.append("| ").append(row.description());
			for (Column column : columns) {
				if (row.phase().equals("raw") && column.key().equals("ratio_to_raw_commit")) {
					md.append(" | 1");
					continue;
				}
				String format = format(column.unit());
				Spread spread = figure(row, column).spread();
				md.append(" | ")
					.append(String.format(Locale.ROOT, format + " (" + format + " - " + format + ")", spread.median(),
							spread.min(), spread.max()));
			}
			md.append(" |\n");
		}
	}

	private static String format(String unit) {
		return switch (unit) {
			case "ms" -> "%.3f";
			case "x", "commits", "s" -> "%.2f";
			default -> "%.0f";
		};
	}

	// ------------------------------------------------------------------ CSV

	String summaryCsv() {
		StringBuilder csv = new StringBuilder("key,figure,unit,median,min,max,rounds\n");
		for (Figure figure : allFigures()) {
			csv.append(String.join(",", figure.key(), quote(figure.name()), figure.unit(),
					number(figure.spread().median()), number(figure.spread().min()), number(figure.spread().max()),
					Integer.toString(this.roundsByKey.get(figure.key()))))
				.append('\n');
		}
		return csv.toString();
	}

	String measurementsCsv() {
		StringBuilder csv = new StringBuilder("round,phase,operations,elapsed_ms,ms_per_op,cpu_ms,server_cpu_ms,"
				+ "commits,transaction_ids,wal_bytes,wall_ms,prefill_ms,jobs_per_worker,p50_ms,p90_ms,p99_ms,max_ms\n");
		for (Measurement measurement : this.measurements) {
			DrainRound drain = this.drains.stream()
				.filter((candidate) -> candidate.measurement() == measurement)
				.findFirst()
				.orElse(null);
			csv.append(String.join(",", Integer.toString(measurement.round()), measurement.phase(),
					Long.toString(measurement.operations()), number(measurement.elapsedNanos() / 1e6),
					number(measurement.millisPerOperation()), number(measurement.cpuNanos() / 1e6),
					(measurement.serverCpuNanos() >= 0) ? number(measurement.serverCpuNanos() / 1e6) : "",
					Long.toString(measurement.commits()), Long.toString(measurement.transactionIds()),
					Long.toString(measurement.walBytes()), (drain != null) ? number(drain.wallNanos() / 1e6) : "",
					(drain != null) ? number(drain.prefillNanos() / 1e6) : "",
					(drain != null) ? quote(drain.jobsPerWorker()) : "", "", "", "", ""))
				.append('\n');
		}
		for (LatencyRound latency : this.latencies) {
			csv.append(String.join(",", Integer.toString(latency.round()), latency.phase(),
					Integer.toString(latency.millis().length), "", "", "", "", "", "", "", "", "", "",
					number(latency.percentile(50)), number(latency.percentile(90)), number(latency.percentile(99)),
					number(latency.max())))
				.append('\n');
		}
		return csv.toString();
	}

	private static String number(double value) {
		return String.format(Locale.ROOT, "%.4f", value);
	}

	private static String quote(String text) {
		return "\"" + text.replace("\"", "\"\"") + "\"";
	}

	// ------------------------------------------------------------------ files

	/**
	 * Writes {@code queue-latest.md}, {@code queue-latest.csv} and
	 * {@code queue-latest-measurements.csv}, and copies of them named by the run's date.
	 * @param directory the results directory
	 * @return the files written
	 */
	List<Path> write(Path directory) throws IOException {
		Files.createDirectories(directory);
		String stamp = this.environment.date().format(FILE_STAMP);
		List<Path> written = new ArrayList<>();
		for (String name : Stream.of("latest", stamp).map((name) -> "queue-" + name).toList()) {
			written.add(write(directory.resolve(name + ".md"), markdown()));
			written.add(write(directory.resolve(name + ".csv"), summaryCsv()));
			written.add(write(directory.resolve(name + "-measurements.csv"), measurementsCsv()));
		}
		return written;
	}

	private static Path write(Path file, String content) throws IOException {
		Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
		Files.writeString(temporary, content, StandardCharsets.UTF_8);
		return Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	/**
	 * One measured drain.
	 *
	 * @param measurement the jobs, their elapsed time (database clock) and the counters
	 * @param wallNanos from sending {@code START} to seeing no job left waiting or running
	 * (this JVM's clock, polled every 20 ms)
	 * @param prefillNanos time taken to enqueue the jobs beforehand
	 * @param jobsPerWorker jobs run by each worker JVM
	 */
	record DrainRound(Measurement measurement, long wallNanos, long prefillNanos, String jobsPerWorker) {
	}

}
