package io.github.dbosspring.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Listens on a PostgreSQL notification channel on one dedicated connection and hands
 * each payload to a callback. When the connection drops it reconnects with backoff
 * (logged once per outage); callers keep polling as their fallback meanwhile.
 *
 * @since 0.2.0
 */
public class NotificationListener {

	private static final Log logger = LogFactory.getLog(NotificationListener.class);

	private static final int WAIT_MILLIS = 500;

	private static final long MAX_BACKOFF_MILLIS = 5_000;

	private final DataSource dataSource;

	private final String channel;

	private final Consumer<String> callback;

	private final Runnable onReconnect;

	private volatile boolean running;

	private volatile boolean connected;

	private @Nullable Thread thread;

	/**
	 * Creates a listener.
	 * @param dataSource where to get the listening connection
	 * @param channel the channel (a plain identifier)
	 * @param callback called with each notification's payload, on the listener thread
	 * @param onReconnect called after a reconnect (notifications may have been missed)
	 */
	public NotificationListener(DataSource dataSource, String channel, Consumer<String> callback,
			Runnable onReconnect) {
		this.dataSource = dataSource;
		this.channel = channel;
		this.callback = callback;
		this.onReconnect = onReconnect;
	}

	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		Thread listener = new Thread(this::run, "dbos-listener");
		listener.setDaemon(true);
		this.thread = listener;
		listener.start();
	}

	public synchronized void stop() {
		this.running = false;
		Thread listener = this.thread;
		if (listener != null) {
			listener.interrupt();
			try {
				listener.join(2_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.thread = null;
	}

	/**
	 * Whether the listening connection is up.
	 * @return whether notifications are being received
	 */
	public boolean isConnected() {
		return this.connected;
	}

	private void run() {
		long backoff = 100;
		boolean outageLogged = false;
		boolean everConnected = false;
		while (this.running) {
			try (Connection connection = this.dataSource.getConnection()) {
				connection.setAutoCommit(true);
				PGConnection pg = connection.unwrap(PGConnection.class);
				try (Statement statement = connection.createStatement()) {
					statement.execute("LISTEN " + this.channel);
				}
				this.connected = true;
				backoff = 100;
				if (outageLogged) {
					logger.info("Listening on '" + this.channel + "' again");
					outageLogged = false;
				}
				if (everConnected) {
					this.onReconnect.run();
				}
				everConnected = true;
				while (this.running) {
					PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
					if (notifications != null) {
						for (PGNotification notification : notifications) {
							dispatch(notification.getParameter());
						}
					}
				}
				// the connection goes back to a pool: it must not keep collecting notifications
				try (Statement statement = connection.createStatement()) {
					statement.execute("UNLISTEN *");
				}
			}
			catch (SQLException | RuntimeException ex) {
				this.connected = false;
				if (!this.running) {
					break;
				}
				if (!outageLogged) {
					logger.warn("Lost the notification connection on '" + this.channel + "' (" + ex.getMessage()
							+ "); polling until it is back");
					outageLogged = true;
				}
				try {
					Thread.sleep(backoff);
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					break;
				}
				backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
			}
		}
		this.connected = false;
	}

	private void dispatch(String payload) {
		try {
			this.callback.accept(payload);
		}
		catch (RuntimeException ex) {
			logger.warn("Notification handler failed for '" + payload + "'", ex);
		}
	}

}
