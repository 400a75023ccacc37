package io.github.dbosspring.observation;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.propagation.TraceContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.brave.bridge.BraveBaggageManager;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;

/**
 * Micrometer Tracing over OpenZipkin Brave, as an application with Micrometer Tracing has
 * it (the handlers Spring Boot registers, B3 propagation), with finished spans kept in
 * memory instead of being exported.
 */
final class TestTracing {

	private final List<MutableSpan> spans = new CopyOnWriteArrayList<>();

	private final ObservationRegistry registry = ObservationRegistry.create();

	private final BraveTracer tracer;

	TestTracing() {
		Tracing tracing = Tracing.newBuilder()
			.localServiceName("dbos-test")
			.currentTraceContext(ThreadLocalCurrentTraceContext.create())
			.addSpanHandler(new SpanHandler() {

				@Override
				public boolean end(TraceContext context, MutableSpan span, Cause cause) {
					TestTracing.this.spans.add(span);
					return true;
				}

			})
			.build();
		this.tracer = new BraveTracer(tracing.tracer(), new BraveCurrentTraceContext(tracing.currentTraceContext()),
				new BraveBaggageManager());
		BravePropagator propagator = new BravePropagator(tracing);
		this.registry.observationConfig()
			.observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
					new PropagatingSenderTracingObservationHandler<>(this.tracer, propagator),
					new PropagatingReceiverTracingObservationHandler<>(this.tracer, propagator),
					new DefaultTracingObservationHandler(this.tracer)));
	}

	ObservationRegistry registry() {
		return this.registry;
	}

	/**
	 * Runs code inside a span of its own, as a traced caller (a web request) would.
	 * @return the caller's span once it has ended
	 */
	MutableSpan inSpan(String name, Runnable code) {
		Observation.createNotStarted(name, this.registry).observe(code);
		return span(name);
	}

	/**
	 * The trace ID of the span current on this thread.
	 * @return the trace ID (hex)
	 */
	String currentTraceId() {
		return this.tracer.currentSpan().context().traceId();
	}

	/** The finished spans, in the order they ended. */
	List<MutableSpan> spans() {
		return List.copyOf(this.spans);
	}

	List<MutableSpan> spans(String name) {
		return this.spans.stream().filter((span) -> name.equals(span.name())).toList();
	}

	MutableSpan span(String name) {
		List<MutableSpan> named = spans(name);
		if (named.size() != 1) {
			throw new AssertionError("Expected one span '" + name + "', found " + named.size() + " in " + spans());
		}
		return named.get(0);
	}

}
