package io.github.dbosspring.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns the measurements into figures (median, min and max over the rounds) and writes
 * them as a Markdown report and as CSV.
 *
 * <p>Derived figures are computed per round, from the phases measured in that round, and
 * only then summarized, so that a slow round (another process taking the CPU) moves the
 * range, not the median.
 *
 * @since 0.1.0
 */
final class StepOverheadReport {

	/** Per-step overhead at or below this multiple of one raw commit meets the target. */
	static final double TARGET_RATIO = 1.5;

	private static final DateTimeFormatter FILE_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

	private final RunEnvironment environment;

	private final List<Phase> phases;

	private final List<Measurement> measurements;

	private final int rounds;

	StepOverheadReport(RunEnvironment environment, List<Phase> phases, List<Measurement> measurements) {
		this.environment = environment;
		this.phases = phases;
		this.measurements = measurements;
		this.rounds = measurements.stream().mapToInt(Measurement::round).max().orElse(0);
	}

	// ------------------------------------------------------------------ figures

	List<Figure> phaseFigures(Phase phase) {
		String key = phase.key();
		String what = (phase.steps() > 0) ? "workflow" : "insert";
		List<Figure> figures = new ArrayList<>(List.of(
				new Figure(key + ".ms_per_op", phase.description() + ": time per " + what, "ms",
						over(phase, Measurement::millisPerOperation)),
				new Figure(key + ".cpu_ms_per_op", phase.description() + ": client CPU per " + what, "ms",
						over(phase, Measurement::cpuMillisPerOperation)),
				new Figure(key + ".ops_per_s", phase.description() + ": " + what + "s per second", "1/s",
						over(phase, Measurement::operationsPerSecond)),
				new Figure(key + ".commits_per_op", phase.description() + ": commits per " + what, "commits",
						over(phase, Measurement::commitsPerOperation)),
				new Figure(key + ".wal_bytes_per_op", phase.description() + ": WAL bytes per " + what, "bytes",
						over(phase, Measurement::walBytesPerOperation))));
		if (hasServerCpu()) {
			figures.add(2, new Figure(key + ".server_cpu_ms_per_op", phase.description() + ": server CPU per " + what,
					"ms", over(phase, Measurement::serverCpuMillisPerOperation)));
		}
		return figures;
	}

	private boolean hasServerCpu() {
		return this.measurements.stream().allMatch((measurement) -> measurement.serverCpuNanos() >= 0);
	}

	List<Figure> derivedFigures() {
		Phase raw = raw();
		Phase base = workflows().get(0);
		List<Figure> figures = new ArrayList<>();
		// largest first: the headline figure comes from the most steps
		List<Phase> larger = new ArrayList<>(workflows().subList(1, workflows().size()));
		Collections.reverse(larger);
		for (Phase phase : larger) {
			int n = phase.steps();
			int b = base.steps();
			String formula = "(t" + n + " - t" + b + ") / " + (n - b);
			figures.add(new Figure("step_overhead_from_" + n + ".ms", "per-step overhead " + formula, "ms",
					perRound((round) -> perStep(round, phase, base, Measurement::millisPerOperation))));
			figures.add(new Figure("step_overhead_from_" + n + ".ratio_to_raw_commit",
					"per-step overhead " + formula + " / one raw commit", "x",
					perRound((round) -> perStep(round, phase, base, Measurement::millisPerOperation)
							/ find(round, raw).millisPerOperation())));
		}
		Phase largest = larger.get(0);
		figures.add(new Figure("client_cpu_per_step.ms", "client CPU per step (cpu" + largest.steps() + " - cpu"
				+ base.steps() + ") / " + (largest.steps() - base.steps()), "ms",
				perRound((round) -> perStep(round, largest, base, Measurement::cpuMillisPerOperation))));
		if (hasServerCpu()) {
			figures.add(new Figure("server_cpu_per_step.ms", "server CPU per step (scpu" + largest.steps()
					+ " - scpu" + base.steps() + ") / " + (largest.steps() - base.steps()), "ms",
					perRound((round) -> perStep(round, largest, base, Measurement::serverCpuMillisPerOperation))));
		}
		figures.add(new Figure("workflow_fixed_cost.ms",
				"fixed cost per workflow (start + completion): t" + base.steps() + " - " + base.steps()
						+ " x per-step overhead",
				"ms", perRound((round) -> find(round, base).millisPerOperation()
						- base.steps() * perStep(round, largest, base, Measurement::millisPerOperation))));
		figures.add(new Figure("commits_per_step", "commits per step (c" + largest.steps() + " - c" + base.steps()
				+ ") / " + (largest.steps() - base.steps()), "commits",
				perRound((round) -> perStep(round, largest, base, Measurement::commitsPerOperation))));
		figures.add(new Figure("wal_bytes_per_step", "WAL bytes per step (w" + largest.steps() + " - w"
				+ base.steps() + ") / " + (largest.steps() - base.steps()), "bytes",
				perRound((round) -> perStep(round, largest, base, Measurement::walBytesPerOperation))));
		figures.add(new Figure("wal_bytes_per_step.ratio_to_raw_commit", "WAL bytes per step / per raw commit", "x",
				perRound((round) -> perStep(round, largest, base, Measurement::walBytesPerOperation)
						/ find(round, raw).walBytesPerOperation())));
		return figures;
	}

	/**
	 * The headline figure: per-step overhead from the largest workflow over one raw commit.
	 * @return its spread over the rounds
	 */
	Spread headlineRatio() {
		int largest = workflows().get(workflows().size() - 1).steps();
		return derivedFigures().stream()
			.filter((figure) -> figure.key().equals("step_overhead_from_" + largest + ".ratio_to_raw_commit"))
			.findFirst()
			.orElseThrow()
			.spread();
	}

	private double perStep(int round, Phase phase, Phase base, ToDoubleFunction<Measurement> value) {
		return (value.applyAsDouble(find(round, phase)) - value.applyAsDouble(find(round, base)))
				/ (phase.steps() - base.steps());
	}

	private Spread over(Phase phase, ToDoubleFunction<Measurement> value) {
		return perRound((round) -> value.applyAsDouble(find(round, phase)));
	}

	private Spread perRound(RoundValue value) {
		List<Double> values = new ArrayList<>();
		for (int round = 1; round <= this.rounds; round++) {
			values.add(value.of(round));
		}
		return Spread.of(values);
	}

	private Measurement find(int round, Phase phase) {
		return this.measurements.stream()
			.filter((measurement) -> measurement.round() == round && measurement.phase().equals(phase.key()))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No measurement of " + phase.key() + " in round " + round));
	}

	private Phase raw() {
		return this.phases.stream().filter((phase) -> phase.steps() == 0).findFirst().orElseThrow();
	}

	private List<Phase> workflows() {
		return this.phases.stream().filter((phase) -> phase.steps() > 0).toList();
	}

	// ------------------------------------------------------------------ Markdown

	String markdown() {
		StringBuilder md = new StringBuilder();
		md.append("## Per-step checkpoint overhead vs. one raw commit\n\n");
		md.append(this.environment.describeRun()).append("\n\n");
		md.append("| Phase | ms per operation | client CPU ms per operation"
				+ (hasServerCpu() ? " | server CPU ms per operation" : "")
				+ " | operations/s | commits per operation | WAL bytes per operation |\n");
		md.append("|---|---:|---:|---:|---:|---:|" + (hasServerCpu() ? "---:|" : "") + "\n");
		for (Phase phase : this.phases) {
			md.append("| ").append(phase.description());
			for (Figure figure : phaseFigures(phase)) {
				md.append(" | ").append(cell(figure.spread(), format(figure.unit())));
			}
			md.append(" |\n");
		}
		md.append("\nEach cell: median (min - max) over the rounds.\n\n");
		md.append("| Derived (per round, then summarized) | median | min | max |\n");
		md.append("|---|---:|---:|---:|\n");
		for (Figure figure : derivedFigures()) {
			String format = format(figure.unit());
			md.append("| ").append(figure.name()).append(unitSuffix(figure.unit()));
			md.append(" | ").append(String.format(Locale.ROOT, format, figure.spread().median()));
			md.append(" | ").append(String.format(Locale.ROOT, format, figure.spread().min()));
			md.append(" | ").append(String.format(Locale.ROOT, format, figure.spread().max()));
			md.append(" |\n");
		}
		Spread ratio = headlineRatio();
		boolean met = ratio.median() <= TARGET_RATIO;
		md.append(String.format(Locale.ROOT,
				"%nTarget, per-step overhead within %.1fx of one raw commit: **%s** (median %.2fx, range %.2fx - %.2fx).%n%n",
				TARGET_RATIO, met ? "met" : "not met", ratio.median(), ratio.min(), ratio.max()));
		md.append("Environment:\n\n");
		for (Map.Entry<String, String> entry : this.environment.describe().entrySet()) {
			md.append("- ").append(entry.getKey()).append(": ").append(entry.getValue()).append('\n');
		}
		return md.toString();
	}

	private static String cell(Spread spread, String format) {
		return String.format(Locale.ROOT, format + " (" + format + " - " + format + ")", spread.median(), spread.min(),
				spread.max());
	}

	private static String format(String unit) {
		return switch (unit) {
			case "ms" -> "%.3f";
			case "x", "commits" -> "%.2f";
			default -> "%.0f";
		};
	}

	private static String unitSuffix(String unit) {
		return switch (unit) {
			case "ms" -> ", ms";
			case "bytes" -> ", bytes";
			default -> "";
		};
	}

	// ------------------------------------------------------------------ CSV

	String summaryCsv() {
		StringBuilder csv = new StringBuilder("key,figure,unit,median,min,max,rounds\n");
		List<Figure> figures = new ArrayList<>();
		for (Phase phase : this.phases) {
			figures.addAll(phaseFigures(phase));
		}
		figures.addAll(derivedFigures());
		for (Figure figure : figures) {
			csv.append(String.join(",", figure.key(), quote(figure.name()), figure.unit(),
					number(figure.spread().median()), number(figure.spread().min()), number(figure.spread().max()),
					Integer.toString(this.rounds)))
				.append('\n');
		}
		return csv.toString();
	}

	String measurementsCsv() {
		StringBuilder csv = new StringBuilder(
				"round,phase,steps,operations,elapsed_ms,ms_per_op,cpu_ms,server_cpu_ms,commits,wal_bytes\n");
		for (Measurement measurement : this.measurements) {
			csv.append(measurement.round())
				.append(',')
				.append(measurement.phase())
				.append(',')
				.append(measurement.steps())
				.append(',')
				.append(measurement.operations())
				.append(',')
				.append(number(measurement.elapsedNanos() / 1e6))
				.append(',')
				.append(number(measurement.millisPerOperation()))
				.append(',')
				.append(number(measurement.cpuNanos() / 1e6))
				.append(',')
				.append((measurement.serverCpuNanos() >= 0) ? number(measurement.serverCpuNanos() / 1e6) : "")
				.append(',')
				.append(measurement.commits())
				.append(',')
				.append(measurement.walBytes())
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
	 * Writes {@code latest.md}, {@code latest.csv} and {@code latest-measurements.csv},
	 * and copies of them named by the run's date.
	 * @param directory the results directory
	 * @return the files written
	 */
	List<Path> write(Path directory) throws IOException {
		Files.createDirectories(directory);
		String stamp = this.environment.date().format(FILE_STAMP);
		List<Path> written = new ArrayList<>();
		for (String name : List.of("latest", stamp)) {
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
	 * One reported figure.
	 *
	 * @param key a stable identifier for comparing runs
	 * @param name what it is
	 * @param unit its unit
	 * @param spread its median and range over the rounds
	 */
	record Figure(String key, String name, String unit, Spread spread) {
	}

	@FunctionalInterface
	private interface RoundValue {

		double of(int round);

	}

	/**
	 * Where and how a run happened.
	 *
	 * @param date when the run started
	 * @param details labelled facts (machine, versions, settings), in report order
	 * @param rounds how the rounds were run
	 */
	record RunEnvironment(ZonedDateTime date, Map<String, String> details, String rounds) {

		String describeRun() {
			return "Run " + this.date.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) + ": " + this.rounds + ".";
		}

		Map<String, String> describe() {
			return this.details;
		}

	}

}
