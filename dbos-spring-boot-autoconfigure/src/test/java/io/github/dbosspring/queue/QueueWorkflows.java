package io.github.dbosspring.queue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowHandle;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Lazy;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Workflows the queue tests enqueue. Jobs that measure overlap record their start and end
 * in {@code job_ledger} with the database clock, so limits are checked in SQL.
 */
@Component
public class QueueWorkflows {

	private final Map<String, AtomicInteger> executions = new ConcurrentHashMap<>();

	private final List<String> started = new CopyOnWriteArrayList<>();

	private final Map<String, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();

	private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();

	public List<String> started() {
		return this.started;
	}

	public void failTimes(String key, int times) {
		this.failuresLeft.put(key, new AtomicInteger(times));
	}

	public CountDownLatch gate(String key) {
		return this.gates.computeIfAbsent(key, (k) -> new CountDownLatch(1));
	}

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	@Lazy
	private QueueWorkflows self;

	@Autowired
	@Lazy
	private Dbos dbos;

	public int count(String key) {
		AtomicInteger count = this.executions.get(key);
		return (count != null) ? count.get() : 0;
	}

	private void executed(String key) {
		this.executions.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
	}

	@Workflow(name = "greet")
	public String greet(String name) {
		this.started.add(name);
		return this.self.hello(name);
	}

	@Step
	public String hello(String name) {
		executed("hello:" + name);
		return "hello " + name;
	}

	@Workflow(name = "timed")
	public void timed(String job, long millis) throws InterruptedException {
		this.started.add(job);
		this.jdbc.sql("INSERT INTO job_ledger (job, started_at) VALUES (?, clock_timestamp())").param(job).update();
		Thread.sleep(millis);
		this.jdbc.sql("UPDATE job_ledger SET ended_at = clock_timestamp() WHERE job = ? AND ended_at IS NULL")
			.param(job)
			.update();
	}

	@Workflow(name = "flaky")
	public String flaky(String key) {
		this.self.before(key);
		return this.self.mayFail(key);
	}

	@Step
	public void before(String key) {
		executed("before:" + key);
	}

	@Step
	public String mayFail(String key) {
		executed("mayFail:" + key);
		AtomicInteger left = this.failuresLeft.get(key);
		if (left != null && left.getAndDecrement() > 0) {
			throw new IllegalStateException("planned failure of " + key);
		}
		return "ok " + key;
	}

	@Workflow(name = "gated")
	public String gated(String key, int steps) throws InterruptedException {
		for (int i = 0; i < steps; i++) {
			this.self.gatedStep(key, i);
		}
		return "passed " + key;
	}

	@Step
	public void gatedStep(String key, int i) throws InterruptedException {
		executed("gated:" + key + ":" + i);
		Dbos.setProgress((i + 1) * 100 / 3, "step " + i);
		CountDownLatch gate = this.gates.get(key + ":" + i);
		if (gate != null && !gate.await(30, TimeUnit.SECONDS)) {
			throw new IllegalStateException("gate " + key + ":" + i + " was never opened");
		}
	}

	@Workflow(name = "slowSteps")
	public String slowSteps(String key, int steps, long millis) throws InterruptedException {
		for (int i = 0; i < steps; i++) {
			this.self.sleepStep(key, millis);
		}
		return "done " + key;
	}

	@Step
	public void sleepStep(String key, long millis) throws InterruptedException {
		executed("sleep:" + key);
		Thread.sleep(millis);
	}

	@Workflow(name = "waiter")
	public String waiter(String topic) {
		return Dbos.recv(topic, String.class, Duration.ofSeconds(30)).orElse("nothing");
	}

	@Workflow(name = "parent")
	public String parent(String key) throws Exception {
		executed("parent:" + key);
		WorkflowHandle<String> child = this.dbos.enqueue("plain", () -> this.self.greet(key + "-child"));
		return child.getWorkflowId() + "=" + child.getResult(Duration.ofSeconds(30));
	}

}
