package io.github.dbosspring.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time (user + system, all threads) a process has used so far, from
 * {@code /proc/<pid>/stat} (Linux), so that it can be read for any process, whatever runs
 * in it.
 *
 * @since 0.2.0
 */
final class ProcessCpu {

	private static final long TICKS_PER_SECOND = ticksPerSecond();

	private ProcessCpu() {
	}

	/**
	 * The CPU time of a process.
	 * @param pid the process ID
	 * @return nanoseconds, or -1 when {@code /proc} cannot be read (another system, or the
	 * process is gone)
	 */
	static long nanos(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
			// the command name, in parentheses, may contain spaces: fields count from after it
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
			// fields 14 (utime) and 15 (stime) of proc(5); fields[0] is field 3
			long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
			return ticks * 1_000_000_000L / TICKS_PER_SECOND;
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	/**
	 * The CPU time all processes of this machine have used so far (user, nice, system, irq
	 * and softirq of every CPU), from {@code /proc/stat}: with the database server on this
	 * machine, what a run costs beyond its own JVM's CPU is mostly the server's.
	 * @return nanoseconds, or -1 when {@code /proc/stat} cannot be read
	 */
	static long machineNanos() {
		try {
			String first = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0);
			// cpu user nice system idle iowait irq softirq ...
			String[] fields = first.trim().split("\\s+");
			long ticks = Long.parseLong(fields[1]) + Long.parseLong(fields[2]) + Long.parseLong(fields[3])
					+ Long.parseLong(fields[6]) + Long.parseLong(fields[7]);
			return ticks * 1_000_000_000L / TICKS_PER_SECOND;
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	private static long ticksPerSecond() {
		try {
			Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
			String output = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
			getconf.waitFor();
			return Long.parseLong(output);
		}
		catch (IOException | RuntimeException ex) {
			return 100;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return 100;
		}
	}

}
