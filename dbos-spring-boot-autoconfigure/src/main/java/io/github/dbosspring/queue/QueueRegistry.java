package io.github.dbosspring.queue;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The declared queues. An undeclared name is an error, unless auto-creation is on, in
 * which case it gets the defaults.
 *
 * @since 0.2.0
 */
public class QueueRegistry {

	private final Map<String, Queue> queues = new ConcurrentHashMap<>();

	private final boolean autoCreate;

	private final Queue defaults;

	/**
	 * Creates a registry.
	 * @param queues the declared queues
	 * @param autoCreate whether an undeclared queue name gets the defaults
	 * @param defaults the settings of auto-created queues (its name is ignored)
	 */
	public QueueRegistry(Collection<Queue> queues, boolean autoCreate, Queue defaults) {
		Map<String, Queue> byName = new LinkedHashMap<>();
		for (Queue queue : queues) {
			Queue previous = byName.put(queue.name(), queue);
			if (previous != null && !previous.equals(queue)) {
				throw new IllegalStateException("Queue '" + queue.name() + "' is declared twice with different "
						+ "settings: " + previous + " and " + queue + ". Declare it once (in application.yml or as "
						+ "a bean).");
			}
		}
		this.queues.putAll(byName);
		this.autoCreate = autoCreate;
		this.defaults = defaults;
	}

	/**
	 * The queue with the given name.
	 * @param name the queue name
	 * @return the queue
	 * @throws UnknownQueueException if no such queue is declared and auto-creation is off
	 */
	public Queue get(String name) {
		Queue queue = this.queues.get(name);
		if (queue != null) {
			return queue;
		}
		if (!this.autoCreate) {
			throw new UnknownQueueException(name, this.queues.keySet());
		}
		return this.queues.computeIfAbsent(name, (key) -> new Queue(key, this.defaults.concurrency(),
				this.defaults.workerConcurrency(), this.defaults.limit(), this.defaults.period(),
				this.defaults.priorityEnabled(), this.defaults.partitioned(), this.defaults.maxAttempts(),
				this.defaults.retry()));
	}

	public boolean isAutoCreate() {
		return this.autoCreate;
	}

	/**
	 * The declared queues (and those auto-created so far).
	 * @return the queues
	 */
	public List<Queue> all() {
		return List.copyOf(this.queues.values());
	}

}
