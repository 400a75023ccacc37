package io.github.dbosspring.workflow.support;

import java.util.concurrent.TimeUnit;

/**
 * The pause between two polls of the database while waiting for something another thread
 * or process writes: 2 ms at first, doubling up to 200 ms, never past the deadline. One
 * instance per wait.
 */
public final class PollBackoff {

	private static final long FIRST_PAUSE_MILLIS = 2;

	private static final long MAX_PAUSE_MILLIS = 200;

	private long pauseMillis = FIRST_PAUSE_MILLIS;

	/**
	 * Sleeps for the next pause, at most until the deadline.
	 * @param remainingNanos time left until the deadline
	 * @throws InterruptedException if the thread is interrupted while sleeping
	 */
	public void pause(long remainingNanos) throws InterruptedException {
		Thread.sleep(next(remainingNanos));
	}

	/**
	 * Waits for the next pause or until the waiter is signalled, at most until the deadline.
	 * @param remainingNanos time left until the deadline
	 * @param waiter woken early by a notification
	 * @throws InterruptedException if the thread is interrupted while waiting
	 */
	public void pause(long remainingNanos, WaitNotifications.@org.jspecify.annotations.Nullable Waiter waiter)
			throws InterruptedException {
		if (waiter == null) {
			pause(remainingNanos);
			return;
		}
		waiter.await(next(remainingNanos));
	}

	private long next(long remainingNanos) {
		long pause = Math.min(this.pauseMillis, TimeUnit.NANOSECONDS.toMillis(remainingNanos) + 1);
		this.pauseMillis = Math.min(this.pauseMillis * 2, MAX_PAUSE_MILLIS);
		return pause;
	}

}
