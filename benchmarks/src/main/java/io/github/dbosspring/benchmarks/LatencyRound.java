package io.github.dbosspring.benchmarks;

import java.util.Arrays;

/**
 * The enqueue-to-start latencies of one round of one latency phase.
 *
 * @param round the measured round, from 1
 * @param phase the phase's key
 * @param millis the latencies ({@code started_at - created_at}, database clock), in
 * milliseconds, sorted
 * @since 0.2.0
 */
record LatencyRound(int round, String phase, double[] millis) {

	LatencyRound {
		millis = millis.clone();
		Arrays.sort(millis);
	}

	/**
	 * A percentile by the nearest-rank method: the smallest latency with at least
	 * {@code percent} % of the samples at or below it.
	 * @param percent the percentile, above 0 and at most 100
	 * @return the latency, ms
	 */
	double percentile(double percent) {
		return percentile(this.millis, percent);
	}

	static double percentile(double[] sorted, double percent) {
		if (sorted.length == 0) {
			throw new IllegalArgumentException("No samples");
		}
		int rank = (int) Math.ceil(percent / 100 * sorted.length);
		return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
	}

	double mean() {
		return Arrays.stream(this.millis).average().orElseThrow();
	}

	double max() {
		return this.millis[this.millis.length - 1];
	}

}
