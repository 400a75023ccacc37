package io.github.dbosspring.benchmarks.peer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * What the no-op job bodies record: every peer's job calls {@link #started(int)} first and
 * {@link #completed(int)} last, with the job number it was enqueued with. Times are
 * {@link System#nanoTime()} of this JVM, so producer and worker must share it (they do: one JVM
 * per run).
 */
public final class JobEvents {

	private static final AtomicLong startedCount = new AtomicLong();

	private static final AtomicLong completedCount = new AtomicLong();

	private static volatile AtomicLongArray startNanos = new AtomicLongArray(0);

	private static volatile AtomicLongArray endNanos = new AtomicLongArray(0);

	private JobEvents() {
	}

	/**
	 * Forgets everything and keeps the times of jobs {@code 0 .. capacity - 1} from now on.
	 * @param capacity how many job numbers to keep times for
	 */
	static void reset(int capacity) {
		startNanos = new AtomicLongArray(capacity);
		endNanos = new AtomicLongArray(capacity);
		startedCount.set(0);
		completedCount.set(0);
	}

	/**
	 * Records the start of a job's body.
	 * @param job the job number it was enqueued with
	 */
	public static void started(int job) {
		long now = System.nanoTime();
		AtomicLongArray times = startNanos;
		if (job >= 0 && job < times.length()) {
			times.set(job, now);
		}
		startedCount.incrementAndGet();
	}

	/**
	 * Records the end of a job's body.
	 * @param job the job number it was enqueued with
	 */
	public static void completed(int job) {
		long now = System.nanoTime();
		AtomicLongArray times = endNanos;
		if (job >= 0 && job < times.length()) {
			times.set(job, now);
		}
		completedCount.incrementAndGet();
	}

	static long startedCount() {
		return startedCount.get();
	}

	static long completedCount() {
		return completedCount.get();
	}

	static long startNanos(int job) {
		return startNanos.get(job);
	}

	static long endNanos(int job) {
		return endNanos.get(job);
	}

	/**
	 * Waits until at least {@code target} bodies have completed, or until the deadline.
	 * @return whether the target was reached
	 */
	static boolean awaitCompleted(long target, long deadlineNanos) {
		while (completedCount.get() < target) {
			if (System.nanoTime() - deadlineNanos >= 0) {
				return false;
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
		}
		return true;
	}

	/**
	 * Waits until job {@code job} has started, or until the deadline.
	 * @return whether it started
	 */
	static boolean awaitStarted(int job, long deadlineNanos) {
		while (startNanos.get(job) == 0) {
			if (System.nanoTime() - deadlineNanos >= 0) {
				return false;
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
		}
		return true;
	}

}
