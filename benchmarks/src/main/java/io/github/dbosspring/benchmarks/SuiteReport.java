package io.github.dbosspring.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToDoubleBiFunction;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.benchmarks.PerformanceSuite.RawLimit;
import io.github.dbosspring.benchmarks.PerformanceSuite.Settings;
import io.github.dbosspring.benchmarks.SuiteRun.Outcome;
import io.github.dbosspring.benchmarks.SuiteRun.Participant;
import io.github.dbosspring.benchmarks.SuiteRun.SuiteCase;

/**
 * The suite's report: per workload and parameters, each library's median and range over
 * the rounds, its ratio to the round's raw commit limit, and this library's ratio to each
 * peer; then the targets, met or missed. Written as Markdown, CSV (one row per figure),
 * CSV of the runs (one row per run, with the server's counters) and JSON lines (the
 * {@code RESULT} lines as received).
 *
 * @since 0.2.0
 */
final class SuiteReport {

	private static final String OURS = DbosSpringPeer.PEER;

	private static final String DRAIN_TARGET_PEER = "dbos-transact";

	private final ZonedDateTime started;

	private final Map<String, String> environment;

	private final Settings settings;

	private final List<String> libraries;

	private final List<String> skipped;

	private final Map<Integer, RawLimit> limits = new LinkedHashMap<>();

	private final List<Outcome> outcomes;

	private final List<String[]> csv = new ArrayList<>();

	private @Nullable String markdown;

	SuiteReport(ZonedDateTime started, Map<String, String> environment, Settings settings,
			List<Participant> participants, List<String> skipped, List<RawLimit> limits, List<Outcome> outcomes) {
		this.started = started;
		this.environment = environment;
		this.settings = settings;
		this.libraries = participants.stream().map(Participant::name).toList();
		this.skipped = skipped;
		limits.forEach((limit) -> this.limits.put(limit.round(), limit));
		this.outcomes = outcomes;
	}

	// ------------------------------------------------------------------ figures

	/** How a figure relates to the raw commit limit. */
	enum Limit {

		/** Not compared. */
		NONE,
		/** A time per operation: divided by the round's ms per raw commit on 1 connection. */
		TIME,
		/** A rate from one thread: divided by the round's raw commits/s on 1 connection. */
		RATE,
		/** A rate from several connections: divided by the round's raw commits/s on N connections. */
		RATE_MANY

	}

	/**
	 * One column of a workload's table.
	 *
	 * @param label the column's title
	 * @param unit the unit, for the CSV
	 * @param limit how it compares with the raw limit
	 * @param higherIsBetter for the ratio of this library to a peer
	 * @param value the figure of one run (NaN when it has none)
	 */
	record Figure(String label, String unit, Limit limit, boolean higherIsBetter,
			ToDoubleBiFunction<Outcome, RawLimit> value) {

	}

	private static Figure metric(String label, String unit, String name, Limit limit, boolean higherIsBetter) {
		return new Figure(label, unit, limit, higherIsBetter, (outcome, raw) -> outcome.metric(name));
	}

	private static double jobs(Outcome outcome) {
		return switch (outcome.suiteCase().workload()) {
			case "step-overhead" -> outcome.metric("ops");
			case "enqueue" -> outcome.metric("jobs");
			case "drain" -> outcome.metric("completed");
			case "latency" -> outcome.metric("samples");
			case "steady" -> outcome.metric("enqueued");
			default -> Double.NaN;
		};
	}

	private static double seconds(Outcome outcome) {
		double seconds = outcome.metric("seconds");
		return Double.isNaN(seconds) ? outcome.wallSeconds() : seconds;
	}

	private static double perJob(Outcome outcome, long count) {
		return (outcome.server() != null) ? count / jobs(outcome) : Double.NaN;
	}

	private static final Figure COMMITS_PER_JOB = new Figure("commits/job", "commits", Limit.NONE, false,
			(o, raw) -> perJob(o, Objects.requireNonNull(o.server()).commits()));

	private static final Figure WRITES_PER_JOB = new Figure("write tx/job", "transactions", Limit.NONE, false,
			(o, raw) -> perJob(o, Objects.requireNonNull(o.server()).writeTransactions()));

	private static final Figure WAL_PER_JOB = new Figure("WAL B/job", "bytes", Limit.NONE, false,
			(o, raw) -> perJob(o, Objects.requireNonNull(o.server()).walBytes()));

	private static final Figure CPU_MS_PER_JOB = new Figure("JVM CPU ms/job", "ms", Limit.NONE, false,
			(o, raw) -> (o.cpuNanos() >= 0) ? o.cpuNanos() / 1e6 / jobs(o) : Double.NaN);

	private static final Figure OTHER_CPU_MS_PER_JOB = new Figure("other CPU ms/job", "ms", Limit.NONE, false,
			(o, raw) -> o.metric(SuiteRun.OTHER_CPU_MS) / jobs(o));

	private static final Figure TRANSACTIONS_PER_SECOND = new Figure("DB transactions/s", "1/s", Limit.NONE, false,
			(o, raw) -> (o.server() != null) ? (o.server().commits() + o.server().rollbacks()) / seconds(o) : Double.NaN);

	private static final Figure CPU_PERCENT = new Figure("JVM CPU %", "%", Limit.NONE, false,
			(o, raw) -> (o.cpuNanos() >= 0) ? o.cpuNanos() / 1e7 / seconds(o) : Double.NaN);

	private static final Map<String, List<Figure>> FIGURES = new LinkedHashMap<>();

	static {
		FIGURES.put("step-overhead", List.of(metric("ms/workflow", "ms", "msPerOp", Limit.TIME, false),
				new Figure("commits/workflow", "commits", Limit.NONE, false,
						(o, raw) -> perJob(o, Objects.requireNonNull(o.server()).commits())),
				new Figure("write tx/workflow", "transactions", Limit.NONE, false, WRITES_PER_JOB.value()),
				new Figure("WAL B/workflow", "bytes", Limit.NONE, false,
						(o, raw) -> perJob(o, Objects.requireNonNull(o.server()).walBytes())),
				new Figure("JVM CPU ms/workflow", "ms", Limit.NONE, false, CPU_MS_PER_JOB.value())));
		FIGURES.put("enqueue", List.of(metric("jobs/s", "1/s", "jobsPerSecond", Limit.RATE, true), COMMITS_PER_JOB,
				WRITES_PER_JOB, WAL_PER_JOB, CPU_MS_PER_JOB));
		List<Figure> drain = List.of(metric("jobs/s", "1/s", "jobsPerSecond", Limit.RATE_MANY, true),
				metric("completed", "jobs", "completed", Limit.NONE, true), COMMITS_PER_JOB, WRITES_PER_JOB,
				WAL_PER_JOB, CPU_MS_PER_JOB, OTHER_CPU_MS_PER_JOB);
		FIGURES.put("drain", drain);
		FIGURES.put("drain-completed", drain);
		FIGURES.put("latency", List.of(metric("p50 ms", "ms", "p50Ms", Limit.TIME, false),
				metric("p99 ms", "ms", "p99Ms", Limit.TIME, false), metric("max ms", "ms", "maxMs", Limit.NONE, false)));
		FIGURES.put("steady", List.of(metric("lag p50 ms", "ms", "lagP50Ms", Limit.TIME, false),
				metric("lag p99 ms", "ms", "lagP99Ms", Limit.NONE, false),
				metric("lag max ms", "ms", "lagMaxMs", Limit.NONE, false),
				metric("completed", "jobs", "completed", Limit.NONE, true),
				metric("backlog at end", "jobs", "backlogAtEnd", Limit.NONE, false), COMMITS_PER_JOB, WRITES_PER_JOB,
				WAL_PER_JOB, CPU_PERCENT));
		FIGURES.put("idle", List.of(TRANSACTIONS_PER_SECOND, CPU_PERCENT,
				new Figure("WAL B/s", "bytes/s", Limit.NONE, false,
						(o, raw) -> (o.server() != null) ? o.server().walBytes() / seconds(o) : Double.NaN),
				new Figure("rows written/s", "1/s", Limit.NONE, false, (o, raw) -> (o.server() != null)
						? (o.server().inserted() + o.server().updated() + o.server().deleted()) / seconds(o)
						: Double.NaN)));
	}

	private static final Map<String, String> TITLES = Map.of("step-overhead",
			"1. Inline workflow of n no-op steps (one thread; time per whole workflow)", "enqueue",
			"2. Enqueue throughput (one producer thread, no worker)", "drain",
			"3. Drain of pre-enqueued one-step jobs", "drain-completed",
			"6. The same drain without and with finished rows in the tables", "latency",
			"5. Enqueue-to-start latency on an idle worker", "steady",
			"4. Steady state: producer at a fixed rate, lag from enqueue to completion", "idle",
			"7. Idle worker");

	// ------------------------------------------------------------------ aggregation

	private List<Outcome> runs(String group, String label, String library) {
		return this.outcomes.stream()
			.filter((o) -> o.suiteCase().group().equals(group) && o.suiteCase().label().equals(label)
					&& o.library().equals(library))
			.toList();
	}

	private @Nullable Spread spread(List<Outcome> runs, Figure figure) {
		List<Double> values = new ArrayList<>();
		for (Outcome run : runs) {
			if (run.ok()) {
				double value = figure.value().applyAsDouble(run, this.limits.get(run.round()));
				if (Double.isFinite(value)) {
					values.add(value);
				}
			}
		}
		return values.isEmpty() ? null : Spread.of(values);
	}

	private @Nullable Spread versusLimit(List<Outcome> runs, Figure figure) {
		List<Double> values = new ArrayList<>();
		for (Outcome run : runs) {
			RawLimit raw = this.limits.get(run.round());
			if (run.ok() && raw != null) {
				double value = figure.value().applyAsDouble(run, raw);
				double ratio = switch (figure.limit()) {
					case TIME -> value / raw.millisPerCommit();
					case RATE -> value / raw.commitsPerSecond();
					case RATE_MANY -> value / raw.commitsPerSecondMany();
					case NONE -> Double.NaN;
				};
				if (Double.isFinite(ratio)) {
					values.add(ratio);
				}
			}
		}
		return values.isEmpty() ? null : Spread.of(values);
	}

	// ------------------------------------------------------------------ Markdown

	String markdown() {
		String built = this.markdown;
		if (built == null) {
			built = buildMarkdown();
			this.markdown = built;
		}
		return built;
	}

	private String buildMarkdown() {
		StringBuilder md = new StringBuilder();
		md.append("# Performance suite, ").append(this.started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
			.append("\n\n");
		this.environment.forEach((key, value) -> md.append("- ").append(key).append(": ").append(value).append('\n'));
		md.append("- Libraries (order of round 1; each round starts one further): ")
			.append(String.join(", ", this.libraries))
			.append('\n');
		for (String line : this.skipped) {
			md.append("- **").append(line).append("**\n");
		}
		for (String library : this.libraries) {
			String version = this.outcomes.stream()
				.filter((o) -> o.library().equals(library) && !o.version().isEmpty())
				.map(Outcome::version)
				.findFirst()
				.orElse("?");
			String notes = this.outcomes.stream()
				.filter((o) -> o.library().equals(library) && !o.notes().isEmpty())
				.map(Outcome::notes)
				.findFirst()
				.orElse("");
			md.append("- ").append(library).append(' ').append(version).append(notes.isEmpty() ? "" : ": " + notes)
				.append('\n');
		}
		md.append("- ").append(sizes()).append("\n\n");
		md.append("Each cell: median (min - max) over the rounds that ran it. \"x raw\" divides each run's figure by ")
			.append("the raw commit limit measured at the start of the same round on the same server: a time by the ")
			.append("ms of one raw commit (1 connection), a one-thread rate by the raw commits/s on 1 connection, a ")
			.append("drain's rate by the raw commits/s on ")
			.append(this.settings.rawConnections())
			.append(" connections. \"")
			.append(OURS)
			.append(" / this\" divides this library's median by the row's: above 1 means ")
			.append(OURS)
			.append(" is faster for a rate, slower for a time.\n\n");
		rawTable(md);
		for (String group : FIGURES.keySet().stream().sorted((a, b) -> TITLES.get(a).compareTo(TITLES.get(b))).toList()) {
			workloadTable(md, group);
			if (group.equals("step-overhead")) {
				perStepTable(md);
			}
			if (group.equals("drain-completed")) {
				slowdownTable(md);
			}
		}
		targets(md);
		failures(md);
		return md.toString();
	}

	private String sizes() {
		Settings s = this.settings;
		return String.format(Locale.ROOT, "Workloads: %s. Sizes: %d rounds; raw limit %d s per measurement (after a %d s warm-up); "
				+ "step-overhead %s steps, %d s per run (after a warm-up in the child); enqueue batches %s, %d s per run; "
				+ "drain %,d pre-enqueued jobs per run with concurrency %s, at most %d s per drain (the rate is over "
				+ "what completed within that cap), after a warm-up drain of %,d jobs in the same JVM; "
				+ "drain-completed a pair at concurrency %d, at most %d s each: the same drain without, then with "
				+ "%,d finished rows inserted first (back to back, the order swapped every other round), in the "
				+ "first %d round(s) only; latency %d jobs %d ms apart; steady %d jobs/s for %d s (then up to %d s "
				+ "to finish); "
				+ "idle %d s%s", String.join(", ", s.workloads()), s.rounds(), s.rawSeconds(), Math.max(1, s.rawSeconds() / 5), s.steps(), s.stepSeconds(),
				s.enqueueBatches(), s.enqueueSeconds(), s.drainJobs(), s.drainConcurrency(), s.drainMaxSeconds(), s.drainWarmupJobs(),
				s.completedRowsConcurrency(), s.completedRowsSeconds(), s.completedRows(),
				Math.min(s.rounds(), s.completedRowsRounds()), s.latencySamples(), s.latencyPauseMillis(),
				s.steadyRate(), s.steadySeconds(), s.steadySeconds(), s.idleSeconds(),
				(s.pollMillis() != null) ? "; --poll-ms=" + s.pollMillis() + " for every run" : "");
	}

	private void rawTable(StringBuilder md) {
		md.append("## Raw commit limit (one-row INSERT + commit, autocommit, plain JDBC)\n\n");
		md.append("| Connections | ms per commit | commits/s |\n|---|---:|---:|\n");
		List<RawLimit> all = List.copyOf(this.limits.values());
		if (all.isEmpty()) {
			md.append("| - | - | - |\n\n");
			return;
		}
		Spread ms = Spread.of(all.stream().map(RawLimit::millisPerCommit).toList());
		Spread one = Spread.of(all.stream().map(RawLimit::commitsPerSecond).toList());
		Spread many = Spread.of(all.stream().map(RawLimit::commitsPerSecondMany).toList());
		md.append("| 1 | ").append(cell(ms)).append(" | ").append(cell(one)).append(" |\n");
		md.append("| ").append(this.settings.rawConnections()).append(" (one thread each) | ")
			.append(cell(Spread.of(all.stream().map((l) -> 1000 * l.connections() / l.commitsPerSecondMany()).toList())))
			.append(" | ").append(cell(many)).append(" |\n\n");
		csvRow("raw", "connections=1", "raw-jdbc", "ms per commit", "ms", ms, null, null);
		csvRow("raw", "connections=1", "raw-jdbc", "commits/s", "1/s", one, null, null);
		csvRow("raw", "connections=" + this.settings.rawConnections(), "raw-jdbc", "commits/s", "1/s", many, null,
				null);
	}

	private void workloadTable(StringBuilder md, String group) {
		Set<String> labels = new LinkedHashSet<>();
		this.outcomes.stream().filter((o) -> o.suiteCase().group().equals(group)).forEach((o) -> labels.add(o.suiteCase().label()));
		if (labels.isEmpty()) {
			return;
		}
		List<Figure> figures = FIGURES.get(group);
		Figure primary = figures.get(0);
		md.append("## ").append(TITLES.get(group)).append("\n\n");
		md.append("| Parameters | Library | runs | ");
		md.append(primary.label()).append(" | ");
		if (primary.limit() != Limit.NONE) {
			md.append(primary.label()).append(" x raw | ");
		}
		md.append(OURS).append(" / this | ");
		for (Figure figure : figures.subList(1, figures.size())) {
			md.append(figure.label()).append(" | ");
		}
		md.append("\n|---|---|---:|");
		md.append("---:|".repeat(figures.size() + 1 + ((primary.limit() != Limit.NONE) ? 1 : 0)));
		md.append('\n');
		for (String label : labels) {
			Spread ours = spread(runs(group, label, OURS), primary);
			for (String library : this.libraries) {
				List<Outcome> runs = runs(group, label, library);
				if (runs.isEmpty()) {
					continue;
				}
				long ok = runs.stream().filter(Outcome::ok).count();
				md.append("| ").append(label).append(" | ").append(library).append(" | ").append(ok);
				if (ok < runs.size()) {
					md.append(" of ").append(runs.size());
				}
				md.append(" | ");
				if (ok == 0) {
					String reason = runs.stream().map((o) -> o.status() + ": " + o.message()).distinct()
						.collect(Collectors.joining("; "));
					md.append(escape(reason)).append(" |").append(" |".repeat(figures.size()
							+ ((primary.limit() != Limit.NONE) ? 1 : 0))).append('\n');
					continue;
				}
				Spread value = spread(runs, primary);
				Spread limit = versusLimit(runs, primary);
				Double versus = (ours != null && value != null && value.median() != 0) ? ours.median() / value.median()
						: null;
				md.append(cell(value)).append(" | ");
				if (primary.limit() != Limit.NONE) {
					md.append(ratioCell(limit)).append(" | ");
				}
				md.append(library.equals(OURS) ? "1" : (versus != null) ? format(versus) : "-").append(" | ");
				csvRow(group, label, library, primary.label(), primary.unit(), value, limit, versus);
				for (Figure figure : figures.subList(1, figures.size())) {
					Spread other = spread(runs, figure);
					md.append(cell(other)).append(" | ");
					csvRow(group, label, library, figure.label(), figure.unit(), other, null, null);
				}
				md.append('\n');
			}
		}
		md.append('\n');
	}

	/**
	 * The marginal cost of one step, per round and library: {@code (t(max) - t(min)) /
	 * (max - min)} over the step counts run, against the same round's raw commit.
	 */
	private void perStepTable(StringBuilder md) {
		List<Integer> steps = this.settings.steps();
		int low = steps.stream().mapToInt(Integer::intValue).min().orElse(1);
		int high = steps.stream().mapToInt(Integer::intValue).max().orElse(1);
		if (high == low) {
			return;
		}
		md.append("Per step: (t(").append(high).append(") - t(").append(low).append(")) / ").append(high - low)
			.append(", the same for commits and WAL, per round; then median (min - max). \"x raw commit\" divides it by ")
			.append("the round's raw limit, measured at the start of the round; \"x raw commit around the run\" divides ")
			.append("each run's time per workflow by the raw commit measured on that run's database right before its ")
			.append("JVM started and right after it exited (").append(PerformanceSuite.STEP_RAW_SECONDS)
			.append(" s each, mean of the two), then takes the difference: a step's time is compared with the raw ")
			.append("commit of the same minute, not with one measured up to a quarter of an hour before.\n\n");
		md.append("| Library | rounds | ms per step | per step x raw commit | per step x raw commit around the run | ")
			.append(OURS).append(" / this | ")
			.append("commits per step | WAL B per step |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
		Map<String, Spread> msPerStep = new LinkedHashMap<>();
		Map<String, List<double[]>> perLibrary = new LinkedHashMap<>();
		for (String library : this.libraries) {
			List<double[]> rounds = new ArrayList<>();
			for (RawLimit raw : this.limits.values()) {
				Outcome a = find("step-overhead", library, raw.round(), low);
				Outcome b = find("step-overhead", library, raw.round(), high);
				if (a == null || b == null || a.server() == null || b.server() == null) {
					continue;
				}
				double ms = (b.metric("msPerOp") - a.metric("msPerOp")) / (high - low);
				double commits = (b.server().commits() / jobs(b) - a.server().commits() / jobs(a)) / (high - low);
				double wal = (b.server().walBytes() / jobs(b) - a.server().walBytes() / jobs(a)) / (high - low);
				rounds.add(new double[] { ms, ms / raw.millisPerCommit(), commits, wal, perStepInRawCommits(a, b, high - low) });
			}
			perLibrary.put(library, rounds);
			if (!rounds.isEmpty()) {
				msPerStep.put(library, column(rounds, 0));
			}
		}
		for (Map.Entry<String, List<double[]>> entry : perLibrary.entrySet()) {
			List<double[]> rounds = entry.getValue();
			if (rounds.isEmpty()) {
				continue;
			}
			String library = entry.getKey();
			Spread ours = msPerStep.get(OURS);
			Spread theirs = msPerStep.get(library);
			Double versus = (ours != null && theirs != null && theirs.median() != 0) ? ours.median() / theirs.median()
					: null;
			md.append("| ").append(library).append(" | ").append(rounds.size()).append(" | ")
				.append(cell(column(rounds, 0))).append(" | ").append(ratioCell(column(rounds, 1))).append(" | ")
				.append(ratioCell(pairedColumn(rounds))).append(" | ")
				.append(library.equals(OURS) ? "1" : (versus != null) ? format(versus) : "-").append(" | ")
				.append(cell(column(rounds, 2))).append(" | ").append(cell(column(rounds, 3))).append(" |\n");
			csvRow("step-overhead", "per step", library, "ms per step", "ms", column(rounds, 0), column(rounds, 1), versus);
			Spread paired = pairedColumn(rounds);
			if (paired != null) {
				csvRow("step-overhead", "per step", library, "per step x raw commit around the run", "x", paired, null, null);
			}
			csvRow("step-overhead", "per step", library, "commits per step", "commits", column(rounds, 2), null, null);
			csvRow("step-overhead", "per step", library, "WAL B per step", "bytes", column(rounds, 3), null, null);
		}
		md.append('\n');
	}

	/**
	 * One step in raw commits, each run against the raw commit measured around it:
	 * {@code (t(b) / raw(b) - t(a) / raw(a)) / steps}, or NaN when a run has none.
	 */
	private static double perStepInRawCommits(Outcome a, Outcome b, int steps) {
		return (b.metric("msPerOp") / b.metric("rawMsPerCommit") - a.metric("msPerOp") / a.metric("rawMsPerCommit"))
				/ steps;
	}

	private static @Nullable Spread pairedColumn(List<double[]> rows) {
		List<Double> values = rows.stream().map((row) -> row[4]).filter((value) -> !Double.isNaN(value)).toList();
		return values.isEmpty() ? null : Spread.of(values);
	}

	private static Spread column(List<double[]> rows, int index) {
		return Spread.of(rows.stream().map((row) -> row[index]).toList());
	}

	private @Nullable Outcome find(String group, String library, int round, int steps) {
		return this.outcomes.stream()
			.filter((o) -> o.ok() && o.suiteCase().group().equals(group) && o.library().equals(library)
					&& o.round() == round && String.valueOf(steps).equals(o.suiteCase().params().get("steps")))
			.findFirst()
			.orElse(null);
	}

	// ------------------------------------------------------------------ targets

	private void targets(StringBuilder md) {
		md.append("## Targets\n\n");
		// per-step overhead
		List<Double> perStep = new ArrayList<>();
		List<Double> perStepPaired = new ArrayList<>();
		List<Double> commitsPerStep = new ArrayList<>();
		int low = this.settings.steps().stream().mapToInt(Integer::intValue).min().orElse(1);
		int high = this.settings.steps().stream().mapToInt(Integer::intValue).max().orElse(1);
		for (RawLimit raw : this.limits.values()) {
			Outcome a = find("step-overhead", OURS, raw.round(), low);
			Outcome b = find("step-overhead", OURS, raw.round(), high);
			if (a != null && b != null && high > low && a.server() != null && b.server() != null) {
				perStep.add((b.metric("msPerOp") - a.metric("msPerOp")) / (high - low) / raw.millisPerCommit());
				double paired = perStepInRawCommits(a, b, high - low);
				if (!Double.isNaN(paired)) {
					perStepPaired.add(paired);
				}
				commitsPerStep.add((b.server().commits() / jobs(b) - a.server().commits() / jobs(a)) / (high - low));
			}
		}
		// judged against the raw commit measured around each run; the ratio to the round's raw
		// limit, measured up to a quarter of an hour apart, follows the machine's load between the two
		target(md, "per-step overhead <= 1.5x one raw commit (measured right before and after each run)",
				perStepPaired.isEmpty() ? null : Spread.of(perStepPaired), 1.5, false, "x");
		target(md, "per-step overhead <= 1.5x one raw commit (the round's raw limit, for reference)",
				perStep.isEmpty() ? null : Spread.of(perStep), 1.5, false, "x");
		// within 0.02: a background commit (heartbeat, recovery scan) during a run adds a little to every figure
		target(md, "at most one commit per step (within 0.02, for background commits)",
				commitsPerStep.isEmpty() ? null : Spread.of(commitsPerStep), 1.02, false, " commits");
		// drain rate: our best concurrency against each peer's best
		Best ours = bestDrain(OURS);
		target(md, "one-step jobs end to end >= 1,500/s (drain, best concurrency" + ((ours != null) ? ": " + ours.label() : "")
				+ ")", (ours != null) ? ours.spread() : null, 1500, true, " jobs/s");
		Best transact = bestDrain(DRAIN_TARGET_PEER);
		Best scheduler = bestDrain("db-scheduler");
		versus(md, ">= 3x DBOS Transact (best drain against best drain)", ours, transact, 3.0);
		versus(md, "ahead of db-scheduler (best drain against best drain)", ours, scheduler, 1.0);
		// commits per one-step queued job, background work included: to run it where claims cannot be
		// batched (drain at concurrency 1), and end to end in the steady state (each job enqueued alone,
		// then run) after the enqueue's own commit (the single-enqueue figure of the same round)
		List<Outcome> drainOneRuns = this.outcomes.stream()
			.filter((o) -> o.library().equals(OURS) && o.suiteCase().group().equals("drain")
					&& "1".equals(o.suiteCase().params().get("concurrency")))
			.toList();
		Spread drainOne = spread(drainOneRuns, COMMITS_PER_JOB);
		Spread drainOneWrites = spread(drainOneRuns, WRITES_PER_JOB);
		target(md, "< 3 commits per one-step queued job to run it (drain at concurrency 1: claim + step + outcome, "
				+ "one job per claim; write transactions)", drainOneWrites, 3.0, false, " write transactions", true);
		target(md, "the same in pg_stat_database.xact_commit (read-only transactions included)", drainOne, 3.0, false,
				" commits", true);
		List<Double> afterEnqueue = new ArrayList<>();
		List<Double> writesAfterEnqueue = new ArrayList<>();
		for (Outcome steady : runsOf("steady", OURS)) {
			Outcome enqueue = this.outcomes.stream()
				.filter((o) -> o.ok() && o.library().equals(OURS) && o.round() == steady.round()
						&& o.suiteCase().group().equals("enqueue") && "1".equals(o.suiteCase().params().get("batch")))
				.findFirst()
				.orElse(null);
			if (steady.ok() && enqueue != null) {
				RawLimit limit = this.limits.get(steady.round());
				afterEnqueue.add(COMMITS_PER_JOB.value().applyAsDouble(steady, limit)
						- COMMITS_PER_JOB.value().applyAsDouble(enqueue, limit));
				writesAfterEnqueue.add(WRITES_PER_JOB.value().applyAsDouble(steady, limit)
						- WRITES_PER_JOB.value().applyAsDouble(enqueue, limit));
			}
		}
		target(md, "< 3 commits per one-step queued job end to end after its enqueue (steady state minus "
				+ "single-enqueue, per round; write transactions)",
				writesAfterEnqueue.isEmpty() ? null : Spread.of(writesAfterEnqueue), 3.0, false, " write transactions",
				true);
		target(md, "the same in pg_stat_database.xact_commit (also the read-only transaction each LISTENing backend "
				+ "runs per notification)", afterEnqueue.isEmpty() ? null : Spread.of(afterEnqueue), 3.0, false,
				" commits", true);
		Spread latency = spread(runsOf("latency", OURS), FIGURES.get("latency").get(0));
		target(md, "enqueue-to-start p50 < 10 ms", latency, 10, false, " ms", true);
		rowsTarget(md);
		Spread idle = spread(runsOf("idle", OURS), TRANSACTIONS_PER_SECOND);
		target(md, "idle worker: a few queries/s at most (<= 5 transactions/s)", idle, 5, false, "/s");
		md.append('\n');
	}

	/**
	 * Judged on the slowdown balanced over the pair order when pairs ran in both orders: the
	 * second drain of a pair may run faster or slower than the first for reasons of its own
	 * (in one run this library's second drain was 14% - 17% faster in all three pairs), and
	 * the median of three pairs, two in one order, would carry that into the figure.
	 */
	private void rowsTarget(StringBuilder md) {
		String what = String.format(Locale.ROOT, "dequeue <= 10%% slower with %,d finished rows (drain at concurrency "
				+ "%d, rate without / rate with - 1, pairs run back to back)", this.settings.completedRows(),
				this.settings.completedRowsConcurrency());
		List<Pair> pairs = pairs(OURS);
		Balance balance = Balance.of(pairs);
		if (balance == null) {
			List<Double> slowdowns = slowdownsInPercent(pairs);
			target(md, what + ", median of the pairs (they did not run in both orders)",
					slowdowns.isEmpty() ? null : Spread.of(slowdowns), 10, false, " %");
			return;
		}
		Spread slowdowns = Spread.of(slowdownsInPercent(pairs));
		boolean met = balance.slowdownInPercent() <= 10 + 1e-9;
		md.append("- ").append(what).append(": **").append(met ? "met" : "missed").append("** (")
			.append(format(balance.slowdownInPercent())).append(" % balanced over the pair order; each pair ")
			.append(format(slowdowns.min())).append(" - ").append(format(slowdowns.max())).append(" %, median ")
			.append(format(slowdowns.median())).append(" %; the second drain of a pair ")
			.append(format(balance.secondFasterInPercent())).append(" % faster than the first)\n");
		this.csv.add(new String[] { "target", what + ", balanced over the pair order", OURS, met ? "met" : "missed",
				"%", format(balance.slowdownInPercent()), format(slowdowns.min()), format(slowdowns.max()), "", "", "",
				"", "" });
	}

	/**
	 * One round's pair: rate without the finished rows / rate with them, and whether the drain
	 * without them ran first.
	 */
	private record Pair(double ratio, boolean withoutFirst) {

	}

	private List<Pair> pairs(String library) {
		List<Pair> pairs = new ArrayList<>();
		for (RawLimit raw : this.limits.values()) {
			Outcome without = null;
			Outcome with = null;
			for (Outcome run : runsOf("drain-completed", library)) {
				if (run.ok() && run.round() == raw.round()) {
					if ("0".equals(run.suiteCase().params().get("completed-rows"))) {
						without = run;
					}
					else {
						with = run;
					}
				}
			}
			if (without != null && with != null && without.metric("jobsPerSecond") > 0
					&& with.metric("jobsPerSecond") > 0) {
				// outcomes are kept in the order they ran
				pairs.add(new Pair(without.metric("jobsPerSecond") / with.metric("jobsPerSecond"),
						this.outcomes.indexOf(without) < this.outcomes.indexOf(with)));
			}
		}
		return pairs;
	}

	/** Per pair: {@code (rate without / rate with - 1) * 100}. */
	private static List<Double> slowdownsInPercent(List<Pair> pairs) {
		return pairs.stream().map((pair) -> (pair.ratio() - 1) * 100).toList();
	}

	/**
	 * The slowdown with the second drain's own speed-up cancelled. With the rows slowing the
	 * drain by {@code r} and the second drain of a pair faster by {@code o}, a pair run
	 * without the rows first gives {@code (1 + r) / (1 + o)}, the other order
	 * {@code (1 + r) * (1 + o)}: the geometric mean of the two orders is {@code 1 + r}, the
	 * square root of their quotient {@code 1 + o}.
	 *
	 * @param slowdownInPercent {@code r}, in percent
	 * @param secondFasterInPercent {@code o}, in percent
	 */
	private record Balance(double slowdownInPercent, double secondFasterInPercent) {

		/**
		 * @return the balance, or {@code null} unless the pairs ran in both orders
		 */
		static @Nullable Balance of(List<Pair> pairs) {
			// per order (without the rows first, then with them first): sum of log ratios, count
			double[] logs = new double[2];
			int[] counts = new int[2];
			for (Pair pair : pairs) {
				int order = pair.withoutFirst() ? 0 : 1;
				logs[order] += Math.log(pair.ratio());
				counts[order]++;
			}
			if (counts[0] == 0 || counts[1] == 0) {
				return null;
			}
			double withoutFirst = Math.exp(logs[0] / counts[0]);
			double withFirst = Math.exp(logs[1] / counts[1]);
			return new Balance((Math.sqrt(withoutFirst * withFirst) - 1) * 100,
					(Math.sqrt(withFirst / withoutFirst) - 1) * 100);
		}

	}

	private void slowdownTable(StringBuilder md) {
		md.append("Slowdown with the finished rows: each round runs the drain without them and with them back to ")
			.append("back (the order swaps every other round); per round rate without / rate with - 1, then median ")
			.append("(min - max). Above 0 means slower with the rows. \"Balanced\" cancels the order: the ")
			.append("geometric mean of the pairs run without the rows first and of those run with them first; ")
			.append("\"second drain faster\" is what the order alone did (both need pairs in both orders).\n\n")
			.append("| Library | pairs | slower with the rows | balanced over the order | second drain faster |\n")
			.append("|---|---:|---:|---:|---:|\n");
		for (String library : this.libraries) {
			List<Pair> pairs = pairs(library);
			if (!pairs.isEmpty()) {
				Spread spread = Spread.of(slowdownsInPercent(pairs));
				Balance balance = Balance.of(pairs);
				md.append("| ").append(library).append(" | ").append(pairs.size()).append(" | ")
					.append(cell(spread)).append(" % | ")
					.append((balance != null) ? format(balance.slowdownInPercent()) + " %" : "-").append(" | ")
					.append((balance != null) ? format(balance.secondFasterInPercent()) + " %" : "-")
					.append(" |\n");
				csvRow("drain-completed", "pairs", library, "slower with the finished rows", "%", spread, null, null);
				if (balance != null) {
					double balanced = balance.slowdownInPercent();
					csvRow("drain-completed", "pairs", library, "slower with the finished rows, balanced over the order",
							"%", new Spread(balanced, balanced, balanced), null, null);
				}
			}
		}
		md.append('\n');
	}

	private List<Outcome> runsOf(String group, String library) {
		return this.outcomes.stream()
			.filter((o) -> o.suiteCase().group().equals(group) && o.library().equals(library))
			.toList();
	}

	private @Nullable Best bestDrain(String library) {
		Best best = null;
		Figure rate = FIGURES.get("drain").get(0);
		Set<String> labels = new LinkedHashSet<>();
		runsOf("drain", library).forEach((o) -> labels.add(o.suiteCase().label()));
		for (String label : labels) {
			Spread spread = spread(runs("drain", label, library), rate);
			if (spread != null && (best == null || spread.median() > best.spread().median())) {
				best = new Best(label, spread);
			}
		}
		return best;
	}

	private void versus(StringBuilder md, String what, @Nullable Best ours, @Nullable Best peer, double factor) {
		if (ours == null || peer == null) {
			md.append("- ").append(what).append(": **not checked** (")
				.append((ours == null) ? OURS + " has no drain figure" : "the peer did not run or had no drain figure")
				.append(")\n");
			return;
		}
		double ratio = ours.spread().median() / peer.spread().median();
		md.append("- ").append(what).append(": **").append((ratio >= factor && factor > 1) || (ratio > factor) ? "met" : "missed")
			.append("** (").append(format(ratio)).append("x: ").append(format(ours.spread().median())).append(" jobs/s at ")
			.append(ours.label()).append(" against ").append(format(peer.spread().median())).append(" at ")
			.append(peer.label()).append(")\n");
	}

	private void target(StringBuilder md, String what, @Nullable Spread spread, double bound, boolean atLeast,
			String unit) {
		target(md, what, spread, bound, atLeast, unit, false);
	}

	private void target(StringBuilder md, String what, @Nullable Spread spread, double bound, boolean atLeast,
			String unit, boolean strict) {
		if (spread == null) {
			md.append("- ").append(what).append(": **not checked** (no figure: workload not run or failed)\n");
			return;
		}
		double median = spread.median();
		boolean met = atLeast ? median >= bound : strict ? median < bound : median <= bound + 1e-9;
		md.append("- ").append(what).append(": **").append(met ? "met" : "missed").append("** (median ")
			.append(format(median)).append(unit).append(", range ").append(format(spread.min())).append(" - ")
			.append(format(spread.max())).append(unit).append(")\n");
		this.csv.add(new String[] { "target", what, OURS, met ? "met" : "missed", unit.trim(), format(median),
				format(spread.min()), format(spread.max()), "", "", "", "", "" });
	}

	private record Best(String label, Spread spread) {

	}

	private void failures(StringBuilder md) {
		List<Outcome> failed = this.outcomes.stream().filter((o) -> !o.ok()).toList();
		if (failed.isEmpty()) {
			return;
		}
		md.append("## Runs without a figure\n\n");
		for (Outcome o : failed) {
			md.append("- round ").append(o.round()).append(' ').append(o.library()).append(' ')
				.append(o.suiteCase().workload()).append(' ').append(o.suiteCase().label()).append(": ")
				.append(o.status()).append(", ").append(escape(o.message())).append('\n');
		}
		md.append('\n');
	}

	// ------------------------------------------------------------------ cells

	private static String cell(@Nullable Spread spread) {
		if (spread == null) {
			return "-";
		}
		return format(spread.median()) + " (" + format(spread.min()) + " - " + format(spread.max()) + ")";
	}

	private static String ratioCell(@Nullable Spread spread) {
		return (spread != null) ? cell(spread).replaceFirst(" \\(", "x (") : "-";
	}

	static String format(double value) {
		double magnitude = Math.abs(value);
		if (magnitude >= 100) {
			return String.format(Locale.ROOT, "%.0f", value);
		}
		if (magnitude >= 10) {
			return String.format(Locale.ROOT, "%.1f", value);
		}
		if (magnitude >= 1) {
			return String.format(Locale.ROOT, "%.2f", value);
		}
		return String.format(Locale.ROOT, "%.3f", value);
	}

	private static String escape(String text) {
		return text.replace("|", "\\|").replace("\n", " ");
	}

	private void csvRow(String group, String label, String library, String figure, String unit,
			@Nullable Spread value, @Nullable Spread limit, @Nullable Double versus) {
		if (value == null) {
			return;
		}
		this.csv.add(new String[] { group, label, library, figure, unit, raw(value.median()), raw(value.min()),
				raw(value.max()), (limit != null) ? raw(limit.median()) : "", (limit != null) ? raw(limit.min()) : "",
				(limit != null) ? raw(limit.max()) : "", (versus != null) ? raw(versus) : "" });
	}

	private static String raw(double value) {
		return String.format(Locale.ROOT, "%.6g", value);
	}

	// ------------------------------------------------------------------ files

	/**
	 * Writes {@code suite-latest.md}, {@code .csv}, {@code -runs.csv} and {@code .jsonl},
	 * and copies named by the run's start.
	 * @param directory the results directory
	 * @return the files written
	 */
	List<Path> write(Path directory) throws IOException {
		String markdown = markdown();
		Files.createDirectories(directory);
		StringBuilder figures = new StringBuilder(
				"workload,parameters,library,figure,unit,median,min,max,x_raw_median,x_raw_min,x_raw_max,"
						+ OURS.replace('-', '_') + "_over_this\n");
		for (String[] row : this.csv) {
			figures.append(csvLine(List.of(row).subList(0, 12))).append('\n');
		}
		StringBuilder runs = new StringBuilder("round,library,workload,parameters,status,message,setup_s,run_s,"
				+ "jvm_cpu_ms,commits,rollbacks,tup_inserted,tup_updated,tup_deleted,blks_read,blks_hit,wal_records,"
				+ "wal_bytes,write_transactions,metrics\n");
		StringBuilder jsonl = new StringBuilder();
		for (Outcome o : this.outcomes) {
			ServerSnapshot s = o.server();
			List<String> row = new ArrayList<>(List.of(Integer.toString(o.round()), o.library(), o.suiteCase().group(),
					o.suiteCase().label(), o.status(), o.message(), raw(o.setupSeconds()), raw(o.wallSeconds()),
					(o.cpuNanos() >= 0) ? raw(o.cpuNanos() / 1e6) : ""));
			for (long value : (s != null) ? new long[] { s.commits(), s.rollbacks(), s.inserted(), s.updated(),
					s.deleted(), s.blocksRead(), s.blocksHit(), s.walRecords(), s.walBytes(), s.writeTransactions() }
					: new long[0]) {
				row.add(Long.toString(value));
			}
			while (row.size() < 19) {
				row.add("");
			}
			row.add(o.metrics().toString());
			runs.append(csvLine(row)).append('\n');
			if (!o.json().isEmpty()) {
				jsonl.append(o.json()).append('\n');
			}
		}
		for (RawLimit limit : this.limits.values()) {
			runs.append(csvLine(List.of(Integer.toString(limit.round()), "raw-jdbc", "raw", "connections=1,"
					+ this.settings.rawConnections(), "ok", "", "", "", "", "", "", "", "", "", "", "", "", "",
					"{commitsPerSecond=" + raw(limit.commitsPerSecond()) + ", commitsPerSecondMany="
							+ raw(limit.commitsPerSecondMany()) + "}")))
				.append('\n');
		}
		String stamp = this.started.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		List<Path> written = new ArrayList<>();
		for (String name : List.of("suite-latest", "suite-" + stamp)) {
			written.add(Files.writeString(directory.resolve(name + ".md"), markdown, StandardCharsets.UTF_8));
			written.add(Files.writeString(directory.resolve(name + ".csv"), figures, StandardCharsets.UTF_8));
			written.add(Files.writeString(directory.resolve(name + "-runs.csv"), runs, StandardCharsets.UTF_8));
			written.add(Files.writeString(directory.resolve(name + ".jsonl"), jsonl, StandardCharsets.UTF_8));
		}
		return written;
	}

	private static String csvLine(List<String> values) {
		return values.stream()
			.map((value) -> (value.contains(",") || value.contains("\"") || value.contains("\n"))
					? "\"" + value.replace("\"", "\"\"") + "\"" : value)
			.collect(Collectors.joining(","));
	}

}
