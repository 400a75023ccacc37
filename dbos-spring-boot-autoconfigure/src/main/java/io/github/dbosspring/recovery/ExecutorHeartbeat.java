package io.github.dbosspring.recovery;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.dbosspring.store.ExecutorRepository;

/**
 * Keeps this executor's heartbeat row fresh so that other executors do not adopt its
 * workflows. A row whose heartbeat is older than {@code dbos.recovery.executor-timeout}
 * (by the database's clock) marks its executor as dead.
 *
 * @since 0.1.0
 */
public class ExecutorHeartbeat {

	private static final Log logger = LogFactory.getLog(ExecutorHeartbeat.class);

	private final ExecutorRepository executors;

	private final String executorId;

	private volatile @Nullable String applicationVersion;

	private volatile boolean failing;

	public ExecutorHeartbeat(ExecutorRepository executors, String executorId) {
		this.executors = executors;
		this.executorId = executorId;
	}

	/**
	 * Registers this executor (or refreshes its row). Called before the first workflow can
	 * start here, so no other executor takes a fresh workflow of this one for dead.
	 * @param applicationVersion the version this executor runs, once known
	 */
	public void register(@Nullable String applicationVersion) {
		if (applicationVersion != null) {
			this.applicationVersion = applicationVersion;
		}
		this.executors.register(this.executorId, hostname(), this.applicationVersion);
	}

	/**
	 * Refreshes the heartbeat; logs once when it starts and stops failing.
	 */
	public void beat() {
		try {
			if (!this.executors.heartbeat(this.executorId)) {
				register(null);
			}
			if (this.failing) {
				this.failing = false;
				logger.info("Executor heartbeat of '" + this.executorId + "' restored");
			}
		}
		catch (RuntimeException ex) {
			if (!this.failing) {
				this.failing = true;
				logger.warn("Executor heartbeat of '" + this.executorId + "' failed; other executors may adopt "
						+ "this executor's workflows if it keeps failing: " + ex.getMessage());
			}
		}
	}

	/**
	 * Removes this executor's row so that its remaining PENDING workflows are adopted by
	 * other executors at once.
	 */
	public void unregister() {
		try {
			this.executors.remove(this.executorId);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not unregister executor '" + this.executorId + "': " + ex.getMessage());
		}
	}

	public String getExecutorId() {
		return this.executorId;
	}

	static String hostname() {
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return "unknown-host";
		}
	}

	/**
	 * The default executor ID: the host name and a random suffix, unique per process.
	 * @return a new executor ID
	 */
	public static String defaultExecutorId() {
		String fromEnvironment = System.getenv("DBOS__VMID");
		if (fromEnvironment != null && !fromEnvironment.isBlank()) {
			return fromEnvironment;
		}
		return hostname() + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
	}

}
