package io.github.dbosspring.workflow.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.store.NotificationListener;

/**
 * Wakes threads that wait for an event or a message as soon as it is written, in this
 * process or another: the writing statement sends a notification whose payload is a hash
 * of what it wrote ({@code md5(workflow ID, 0x01, key or topic)}), and one listening
 * connection, opened at the first wait, hands it to the waiters. Waiters keep polling with
 * backoff as the fallback.
 *
 * @since 0.2.0
 */
public class WaitNotifications {

	private final @Nullable DataSource dataSource;

	private final String channel;

	private final Map<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();

	private volatile @Nullable NotificationListener listener;

	/**
	 * Creates the notifications.
	 * @param dataSource where the listening connection comes from, or {@code null} to only
	 * poll
	 * @param channel the channel the writers notify
	 */
	public WaitNotifications(@Nullable DataSource dataSource, String channel) {
		this.dataSource = dataSource;
		this.channel = channel;
	}

	/**
	 * Registers a waiter for an event or a message, before its first check (so that no
	 * notification is missed in between).
	 * @param workflowId the workflow that sets the event or receives the message
	 * @param key the event key or message topic
	 * @return the waiter, to close when done
	 */
	public Waiter register(String workflowId, String key) {
		startListening();
		String hash = hash(workflowId, key);
		Waiter waiter = new Waiter(hash);
		this.waiters.compute(hash, (k, registered) -> {
			Set<Waiter> set = (registered != null) ? registered : ConcurrentHashMap.newKeySet();
			set.add(waiter);
			return set;
		});
		return waiter;
	}

	private void startListening() {
		if (this.listener != null || this.dataSource == null) {
			return;
		}
		synchronized (this) {
			if (this.listener == null) {
				NotificationListener started = new NotificationListener(this.dataSource, this.channel, this::signal,
						this::signalAll);
				started.start();
				this.listener = started;
			}
		}
	}

	/**
	 * Whether the listening connection is up.
	 * @return whether notifications arrive
	 */
	public boolean isListening() {
		NotificationListener current = this.listener;
		return current != null && current.isConnected();
	}

	void signal(String hash) {
		Set<Waiter> registered = this.waiters.get(hash);
		if (registered != null) {
			registered.forEach(Waiter::wake);
		}
	}

	private void signalAll() {
		this.waiters.values().forEach((registered) -> registered.forEach(Waiter::wake));
	}

	/**
	 * Stops listening.
	 */
	public void stop() {
		NotificationListener current = this.listener;
		if (current != null) {
			current.stop();
		}
	}

	static String hash(String workflowId, String key) {
		try {
			MessageDigest md5 = MessageDigest.getInstance("MD5");
			md5.update(workflowId.getBytes(StandardCharsets.UTF_8));
			md5.update((byte) 1);
			md5.update(key.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(md5.digest());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * One waiting thread.
	 */
	public final class Waiter implements AutoCloseable {

		private final String hash;

		private final Semaphore signal = new Semaphore(0);

		private Waiter(String hash) {
			this.hash = hash;
		}

		void wake() {
			this.signal.release();
		}

		/**
		 * Waits until signalled or the time passes.
		 * @return whether it was signalled
		 */
		boolean await(long millis) throws InterruptedException {
			if (this.signal.tryAcquire(millis, TimeUnit.MILLISECONDS)) {
				this.signal.drainPermits();
				return true;
			}
			return false;
		}

		@Override
		public void close() {
			WaitNotifications.this.waiters.computeIfPresent(this.hash, (k, registered) -> {
				registered.remove(this);
				return registered.isEmpty() ? null : registered;
			});
		}

	}

}
